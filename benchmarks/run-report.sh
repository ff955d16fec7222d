#!/usr/bin/env bash
# Runs the JMH suite in quick mode (about 6 minutes) and writes results/latest.md and results/ratios.png.
# Usage (from anywhere): benchmarks/run-report.sh   (set JAVA_HOME to a JDK 25)
# Build first: mvn -B -q install -DskipTests  (or set BUILD=1 to have this script do it)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jar="$here/target/benchmarks.jar"
results="$here/results"
quick=(-f 1 -wi 2 -i 3 -w 1s -r 1s)
jvm=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)

if [[ "${BUILD:-0}" == 1 || ! -f "$jar" ]]; then
  (cd "$root" && mvn -B -q install -DskipTests)
fi
mkdir -p "$results"

# Conv layers, one thread: binary vs bnn4j float vs ONNX Runtime.
"$java" "${jvm[@]}" -jar "$jar" 'ConvLayerBench' "${quick[@]}" \
  -rf json -rff "$results/conv.json"
# Two threads, binary and ONNX Runtime (bnn4j's float conv splits over threads too; this run
# compares only the binary path with ONNX Runtime).
"$java" "${jvm[@]}" -jar "$jar" 'ConvLayerBench' "${quick[@]}" -p threads=2 \
  -p impl=binary,onnxruntime -rf json -rff "$results/conv-threads.json"
# Whole networks (Bi-Real ResNet-18, ResNet-18), bnn4j vs ONNX Runtime, 1 and 2 threads.
"$java" "${jvm[@]}" -jar "$jar" 'ModelBench' -f 1 -wi 1 -i 2 -w 2s -r 2s \
  -rf json -rff "$results/model.json"
# Binary GEMM kernel vs scalar vs register-only peak.
"$java" "${jvm[@]}" -jar "$jar" 'GemmBench' "${quick[@]}" -rf json -rff "$results/gemm.json"

"$java" "${jvm[@]}" -cp "$jar" org.bnn4j.bench.Report "$results" "$results"/*.json
