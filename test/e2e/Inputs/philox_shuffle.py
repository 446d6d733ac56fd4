"""An independent Philox4x32-10 (TF's random::PhiloxRandom) to check Kiln's
RandomShuffle: prints the permutations of range(N) that `runs` successive
RandomShuffle runs with seed/seed2 produce.

TF's kernel reserves ceil((N-1)/4) Philox calls per run and draws one 32-bit
lane at a time: for i = N-1 down to 1, j = sample % (i+1), swap(i, j).
The generator is first checked against TF's own RandomUniform stream for
seed=1, seed2=2 (from TF: [0.40639675 0.8575996 0.05539584 0.08587229]).

usage: philox_shuffle.py N SEED SEED2 RUNS
"""
import struct
import sys

M = 0xFFFFFFFF


def mulhilo(a, b):
    p = a * b
    return p & M, p >> 32


class Philox:
    def __init__(self, seed, seed2):
        self.key = [seed & M, (seed >> 32) & M]
        self.ctr = [0, 0, seed2 & M, (seed2 >> 32) & M]

    def __call__(self):
        c, k = list(self.ctr), list(self.key)
        for r in range(10):
            lo0, hi0 = mulhilo(0xD2511F53, c[0])
            lo1, hi1 = mulhilo(0xCD9E8D57, c[2])
            c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0]
            if r < 9:
                k = [(k[0] + 0x9E3779B9) & M, (k[1] + 0xBB67AE85) & M]
        self.skip(1)
        return c

    def skip(self, n):
        v = sum(x << (32 * i) for i, x in enumerate(self.ctr)) + n
        self.ctr = [(v >> (32 * i)) & M for i in range(4)]


def uniform(bits):
    f = struct.unpack("<f", struct.pack("<I", (bits & 0x7FFFFF) | 0x3F800000))[0]
    return f - 1.0


def main():
    n, seed, seed2, runs = map(int, sys.argv[1:5])
    check = [uniform(b) for b in Philox(1, 2)()]
    tf = [0.40639675, 0.8575996, 0.05539584, 0.08587229]
    assert all(abs(a - b) < 1e-7 for a, b in zip(check, tf)), check
    gen = Philox(seed, seed2)
    for _ in range(runs):
        calls = (n - 1 + 3) // 4
        local = Philox(0, 0)
        local.key, local.ctr = list(gen.key), list(gen.ctr)
        gen.skip(calls)
        lanes = []
        perm = list(range(n))
        for i in range(n - 1, 0, -1):
            if not lanes:
                lanes = local()
            j = lanes.pop(0) % (i + 1)
            perm[i], perm[j] = perm[j], perm[i]
        print("shuffled = [" + " ".join(str(x) for x in perm) + "]")


main()
