# Shell functions the benchmarks share (sourced by bench/*/run.sh).
# The median of its arguments (numbers).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
# `RATIO <name> <a/b> (higher is better)` for name, a, b.
ratio() { awk -v a="$2" -v b="$3" -v n="$1" 'BEGIN {printf "RATIO %s %.3f (higher is better)\n", n, a / b}'; }
# The turns of round $1 between Kiln and the peer(s) named $2: Kiln first
# in odd rounds, so that load from elsewhere hits both.
turn_order() { if [ $(($1 % 2)) -eq 1 ]; then echo "kiln $2"; else echo "$2 kiln"; fi; }
# The larger of two numbers (an empty one counts as 0): a peer's best of
# its thread counts.
max_of() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN {print (a > b) ? a : b}'; }
