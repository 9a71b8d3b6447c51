#!/usr/bin/env bash
# The HTML report on a real update: Debian 6.1.0-56 -> 6.12.111 cloud, both
# -dbg packages (13,597 entries). Prints the time and peak RSS of writing the
# page (kmidiff --format html) and of drawing it from the saved JSON
# (kmi render), the page's size, and how long headless Chromium takes until
# the page is usable (tests/it/browser.rs, measure_page_load).
#
#   bench/html.sh [--cache DIR]
#
# Needs Debian's chromium and chromium-driver; fetches the packages as
# bench/run.sh does (same cache).
set -euo pipefail

CACHE="${KMI_BENCH_CACHE:-$HOME/.cache/kmidiff-bench}"
while [ $# -gt 0 ]; do
    case "$1" in
        --cache) CACHE="$2"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

. "$ROOT/bench/lib.sh"

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bins
BIN="$ROOT/target/release"
A=$(fetch linux-image-6.1.0-56-cloud-amd64-dbg)
B=$(fetch linux-image-6.12.111+deb12-cloud-amd64-dbg)
ARGS=(--vmlinux1 "$(vmlinux_of "$A")" --vmlinux2 "$(vmlinux_of "$B")" "$(modules_of "$A")" "$(modules_of "$B")")

timed() { # label cmd... -> "label: wall s, peak MB"
    local label="$1"; shift
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" || [ $? -le 12 ]
    read -r wall rss < <(tail -1 "$WORK/time")
    echo "$label: ${wall} s, $((rss / 1024)) MB"
}
timed "kmidiff --format json" "$BIN/kmidiff" --format json -o "$WORK/report.json" "${ARGS[@]}"
timed "kmidiff --format html" "$BIN/kmidiff" --format html -o "$WORK/report.html" "${ARGS[@]}"
timed "kmi render" "$BIN/kmi" render "$WORK/report.json" -o "$WORK/rendered.html"
echo "JSON $(stat -c %s "$WORK/report.json") bytes, page $(stat -c %s "$WORK/report.html") bytes"
cmp -s "$WORK/report.html" "$WORK/rendered.html" && echo "kmi render = --format html: same bytes" \
    || { echo "kmi render differs from --format html" >&2; exit 1; }
KMI_HTML_REPORT="$WORK/report.html" cargo test --release --quiet --manifest-path "$ROOT/Cargo.toml" \
    --test it measure_page_load -- --ignored --nocapture 2>&1 | grep -E '^(page|without)'
