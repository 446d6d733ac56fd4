# Shell functions the benchmarks share (sourced by bench/*/run.sh).
# The median of its arguments (numbers).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
# `RATIO <name> <a/b> (higher is better)` for name, a, b.
ratio() { awk -v a="$2" -v b="$3" -v n="$1" 'BEGIN {printf "RATIO %s %.3f (higher is better)\n", n, a / b}'; }
