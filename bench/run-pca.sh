#!/usr/bin/env bash
# The PCA reference experiments and timings (bench/results/pca.md), CPU:
#   1. convergence: E against total steps T*L for parallel deflation, EigenGame-mu and sequential deflation,
#      synthetic d = 1000, K = 30, spectra 1/sqrt(k) and 1.1^-k, T in {1, 5}, STARTS random starts; and
#      Fashion-MNIST K = 30 (FASHION_STARTS starts). SVG charts and CSV under OUT.
#   2. shards: wall time to E < 1e-4 for Fashion-MNIST K = 30, matrix-free with 1, 2, 4 shards and in
#      covariance mode, then in the same run the peers: NumPy X^T X + eigh, scikit-learn PCA full and
#      randomized (n_iter raised until it reaches the same E), all scored against one float64 reference.
#
#   bench/run-pca.sh                  # everything (about 40 minutes on a loaded 2-core machine)
#   PARTS=shards bench/run-pca.sh     # only the timing part
#   PARTS=large LARGE_ROWS=50000 LARGE_DIM=2000 bench/run-pca.sh   # 3. matrix-free, low-rank + noise, K = 16,
#      time to E < 1e-3 by parallel deflation and subspace iteration (LARGE_SOLVERS=parallel,subspace) beside
#      scikit-learn randomized PCA (the raw matrix is written to /tmp once); large-ROWSxDIM.csv and -peers.txt
#   SHARD_SOLVERS=subspace,parallel and SHARD_COUNTS=1,2,4 (or none: covariance mode only) choose the timing part's runs.
# Needs dataset-fashion-mnist, python3-numpy and python3-sklearn (apt-get install them).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/out/pca}
STARTS=${STARTS:-10}
FASHION_STARTS=${FASHION_STARTS:-10}
PARTS=${PARTS:-convergence shards}
# Solvers of the large part, each timed to E < 1e-3 beside the peer (subspace: oversample 10).
LARGE_SOLVERS=${LARGE_SOLVERS:-parallel,subspace}
# More arguments for the large part's Orrery side, e.g. LARGE_ARGS="--silos 1 --shards 4" (default: 4 shards over 2 silos).
LARGE_ARGS=${LARGE_ARGS:-}
# Fashion-MNIST split of the timing part: train (60,000 rows) or test (10,000; what fits a loaded 2-core machine).
SPLIT=${SPLIT:-train}
PYTHON=${PYTHON:-/usr/bin/python3}
mkdir -p "$OUT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build bench/Orrery.Bench.Pca -c Release -v q -nologo >/dev/null
BENCH="dotnet bench/Orrery.Bench.Pca/bin/Release/net10.0/Orrery.Bench.Pca.dll"
echo "# $(date -u +%FT%TZ) $(uname -n), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)"
echo "# $(date -u +%FT%TZ) parts: $PARTS"
for part in $PARTS; do
  case $part in
    convergence)
      $BENCH convergence --data power --starts "$STARTS" --total 600 --out "$OUT"
      $BENCH convergence --data exponential --starts "$STARTS" --total 600 --out "$OUT"
      $BENCH convergence --data fashion-mnist --starts "$FASHION_STARTS" --total 600 --out "$OUT"
      ;;
    shards)
      $BENCH shards --split "$SPLIT" --shards "${SHARD_COUNTS:-1,2,4}" --solvers "${SHARD_SOLVERS:-parallel}" --target 1e-4 --components 30 --out "$OUT" | tee "$OUT/shards-$SPLIT.csv"
      echo "# load after Orrery: $(cut -d' ' -f1-3 /proc/loadavg)"
      "$PYTHON" bench/peers/pca_sklearn.py --split "$SPLIT" --components 30 --target 1e-4 --orrery "$OUT"/fashion-mnist-"$SPLIT"-*.npy | tee "$OUT/peers-$SPLIT.txt"
      ;;
    large)
      ROWS=${LARGE_ROWS:-50000} DIM=${LARGE_DIM:-2000}
      FILE=${LARGE_FILE:-/tmp/orrery-pca-large-${ROWS}x${DIM}.f32}
      rm -f "$OUT"/large-"$ROWS"x"$DIM"-k16-*.npy
      $BENCH large --rows "$ROWS" --dimension "$DIM" --components 16 --target 1e-3 --solvers "$LARGE_SOLVERS" $LARGE_ARGS --file "$FILE" --out "$OUT" | tee "$OUT/large-${ROWS}x${DIM}.csv"
      echo "# load after Orrery: $(cut -d' ' -f1-3 /proc/loadavg)"
      "$PYTHON" bench/peers/pca_large.py "$FILE" --components 16 --target 1e-3 --orrery "$OUT"/large-"$ROWS"x"$DIM"-k16-*.npy | tee "$OUT/large-${ROWS}x${DIM}-peers.txt"
      echo "# load after the peer: $(cut -d' ' -f1-3 /proc/loadavg)"
      ;;
  esac
done
