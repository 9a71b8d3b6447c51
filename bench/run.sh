#!/usr/bin/env bash
# Benchmark kmidiff against libabigail's kmidiff on real Debian kernels.
#
#   bench/run.sh [--cache DIR] [--runs N] [--no-libabigail] [--full-flavour] [--other-arches]
#
# Fetches the Debian debug packages into the cache when missing (apt-get
# download + dpkg -x; about 1.7 GB unpacked per cloud kernel, 5.6 GB per full
# amd64 kernel), builds kmidiff in release mode, and prints a table of wall
# time, user+sys CPU and peak RSS for each row, ours as the median of N runs,
# libabigail (abigail-tools) once, with the ratio libabigail/ours measured in
# this same run. libabigail 2.2 aborts on these kernels' modules, so its rows
# are vmlinux-only (empty module dirs), compared with our vmlinux-only rows.
set -euo pipefail

CACHE="${KMI_BENCH_CACHE:-$HOME/.cache/kmidiff-bench}"
RUNS=3
LIBABIGAIL=1
FULL=0
ARCHES=0
while [ $# -gt 0 ]; do
    case "$1" in
        --cache) CACHE="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --no-libabigail) LIBABIGAIL=0; shift ;;
        --full-flavour) FULL=1; shift ;;
        --other-arches) ARCHES=1; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

need() { command -v "$1" >/dev/null || { echo "missing: $1 ($2)" >&2; exit 1; }; }
need apt-get "Debian's apt"
need dpkg "Debian's dpkg"
need nm binutils
need bc bc
[ -x /usr/bin/time ] || { echo "missing: /usr/bin/time (apt-get install time)" >&2; exit 1; }
if [ "$LIBABIGAIL" = 1 ] && ! command -v kmidiff >/dev/null; then
    echo "libabigail's kmidiff not found: apt-get install abigail-tools, or --no-libabigail" >&2
    exit 1
fi
LIBABIGAIL_KMIDIFF="$(command -v kmidiff || true)"

. "$ROOT/bench/lib.sh"

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin kmidiff
OURS="$ROOT/target/release/kmidiff"

C55=$(fetch linux-image-6.1.0-55-cloud-amd64-dbg)
C56=$(fetch linux-image-6.1.0-56-cloud-amd64-dbg)
C612=$(fetch linux-image-6.12.111+deb12-cloud-amd64-dbg)
EMPTY1="$WORK/empty1"; EMPTY2="$WORK/empty2"; mkdir -p "$EMPTY1" "$EMPTY2"

# The 500 vmlinux exports that drivers/net and fs modules import the most.
WL="$WORK/whitelist"
{
    grep -o ' __ksymtab_[A-Za-z0-9_]*$' "$(ls "$C55"/usr/lib/debug/boot/System.map-* | head -1)" | sed 's/ __ksymtab_//' | sort -u > "$WORK/exports"
    find "$(modules_of "$C55")/kernel/drivers/net" "$(modules_of "$C55")/kernel/fs" -name '*.ko' -print0 |
        xargs -0 nm -u --format=just-symbols 2>/dev/null | sort | uniq -c | sort -k1,1nr -k2 |
        awk '{print $2}' > "$WORK/imports"
    echo "[abi_symbol_list]"
    grep -Fxf "$WORK/exports" "$WORK/imports" | awk "NR <= 500" | sort
} > "$WL"
echo "whitelist: $(($(wc -l < "$WL") - 1)) symbols" >&2

# run LABEL OUTFILE cmd... : one timed run; prints "wall cpu rss_kb exit"
timed() {
    local out="$WORK/time.$$"
    set +e
    /usr/bin/time -f "%e %U %S %M %x" -o "$out" "$@" > /dev/null 2> "$WORK/stderr"
    set -e
    awk '{printf "%s %.2f %s %s\n", $1, $2 + $3, $4, $5}' "$out" | tail -1
}
median_run() { # cmd... -> median wall line of RUNS runs
    local i lines=()
    for i in $(seq "$RUNS"); do lines+=("$(timed "$@")"); done
    printf '%s\n' "${lines[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

ROWS=()
row() { # name ours-line libabigail-line
    ROWS+=("$1|$2|$3")
}

V55=$(vmlinux_of "$C55"); M55=$(modules_of "$C55")
V56=$(vmlinux_of "$C56"); M56=$(modules_of "$C56")
V612=$(vmlinux_of "$C612"); M612=$(modules_of "$C612")

echo "running: cloud 55 vs 56, all exports" >&2
r1=$(median_run "$OURS" --vmlinux1 "$V55" --vmlinux2 "$V56" "$M55" "$M56")
row "cloud 55 vs 56, vmlinux + $(find "$M55" -name '*.ko*' | wc -l) modules, all exports" "$r1" "-"

echo "running: same, 1 thread" >&2
r1j1=$(median_run "$OURS" -j 1 --vmlinux1 "$V55" --vmlinux2 "$V56" "$M55" "$M56")
row "same, 1 thread (-j 1)" "$r1j1" "-"

echo "running: whitelist" >&2
r2=$(median_run "$OURS" -w "$WL" --vmlinux1 "$V55" --vmlinux2 "$V56" "$M55" "$M56")
row "cloud 55 vs 56, 500-symbol whitelist" "$r2" "-"

echo "running: vmlinux only" >&2
r3=$(median_run "$OURS" --vmlinux1 "$V55" --vmlinux2 "$V56" "$EMPTY1" "$EMPTY2")
l3="-"; l4="-"
if [ "$LIBABIGAIL" = 1 ]; then
    echo "running: libabigail vmlinux only (several minutes)" >&2
    l3=$(timed "$LIBABIGAIL_KMIDIFF" --vmlinux1 "$V55" --vmlinux2 "$V56" "$EMPTY1" "$EMPTY2")
fi
row "cloud 55 vs 56, vmlinux only, all exports" "$r3" "$l3"

r4=$(median_run "$OURS" -w "$WL" --vmlinux1 "$V55" --vmlinux2 "$V56" "$EMPTY1" "$EMPTY2")
if [ "$LIBABIGAIL" = 1 ]; then
    echo "running: libabigail vmlinux only, whitelist" >&2
    l4=$(timed "$LIBABIGAIL_KMIDIFF" -w "$WL" --vmlinux1 "$V55" --vmlinux2 "$V56" "$EMPTY1" "$EMPTY2")
fi
row "cloud 55 vs 56, vmlinux only, 500-symbol whitelist" "$r4" "$l4"

echo "running: 6.1.0-56 vs 6.12.111" >&2
r5=$(median_run "$OURS" --vmlinux1 "$V56" --vmlinux2 "$V612" "$M56" "$M612")
row "cloud 6.1.0-56 vs 6.12.111, all exports" "$r5" "-"

C613=$(fetch linux-image-6.12.113+deb12-cloud-amd64-dbg)
echo "running: 6.12.111 vs 6.12.113" >&2
r7=$(median_run "$OURS" --vmlinux1 "$V612" --vmlinux2 "$(vmlinux_of "$C613")" "$M612" "$(modules_of "$C613")")
row "cloud 6.12.111 vs 6.12.113, all exports" "$r7" "-"

# The installed kernels: plain packages (vmlinuz + modules with split BTF,
# no DWARF). libabigail 2.2 reads neither a vmlinuz nor split BTF.
vmlinuz_of() { ls "$1"/boot/vmlinuz-* | head -1; }
plain_modules_of() { ls -d "$1"/lib/modules/* | head -1; }
P55=$(fetch linux-image-6.1.0-55-cloud-amd64-unsigned)
P56=$(fetch linux-image-6.1.0-56-cloud-amd64-unsigned)
echo "running: plain 55 vs 56" >&2
rp1=$(median_run "$OURS" --vmlinux1 "$(vmlinuz_of "$P55")" --vmlinux2 "$(vmlinuz_of "$P56")" "$(plain_modules_of "$P55")" "$(plain_modules_of "$P56")")
row "plain cloud 55 vs 56, vmlinuz + $(find "$(plain_modules_of "$P55")" -name '*.ko*' | wc -l) modules, BTF" "$rp1" "-"
echo "running: -dbg 55 vs plain 55" >&2
rp2=$(median_run "$OURS" --vmlinux1 "$V55" --vmlinux2 "$(vmlinuz_of "$P55")" "$M55" "$(plain_modules_of "$P55")")
row "cloud 55 -dbg vs plain 55, DWARF vs BTF" "$rp2" "-"
P612=$(fetch linux-image-6.12.111+deb12-cloud-amd64-unsigned)
P613=$(fetch linux-image-6.12.113+deb12-cloud-amd64-unsigned)
echo "running: plain 6.12.111 vs 6.12.113" >&2
rp3=$(median_run "$OURS" --vmlinux1 "$(vmlinuz_of "$P612")" --vmlinux2 "$(vmlinuz_of "$P613")" "$(plain_modules_of "$P612")" "$(plain_modules_of "$P613")")
row "plain cloud 6.12.111 vs 6.12.113, vmlinuz + .ko.xz modules, BTF" "$rp3" "-"

if [ "$ARCHES" = 1 ]; then
    # Needs `dpkg --add-architecture arm64 s390x && apt-get update` once.
    A55=$(fetch linux-image-6.1.0-55-cloud-arm64-dbg:arm64)
    A56=$(fetch linux-image-6.1.0-56-cloud-arm64-dbg:arm64)
    echo "running: arm64 cloud 55 vs 56" >&2
    r8=$(median_run "$OURS" --vmlinux1 "$(vmlinux_of "$A55")" --vmlinux2 "$(vmlinux_of "$A56")" "$(modules_of "$A55")" "$(modules_of "$A56")")
    row "arm64 cloud 55 vs 56, vmlinux + $(find "$(modules_of "$A55")" -name '*.ko*' | wc -l) modules, all exports" "$r8" "-"
    PA55=$(fetch linux-image-6.1.0-55-cloud-arm64-unsigned:arm64)
    PA56=$(fetch linux-image-6.1.0-56-cloud-arm64-unsigned:arm64)
    HA55=$(fetch linux-headers-6.1.0-55-cloud-arm64:arm64)
    HA56=$(fetch linux-headers-6.1.0-56-cloud-arm64:arm64)
    echo "running: arm64 plain 55 vs 56" >&2
    r10=$(median_run "$OURS" --symvers1 "$(ls "$HA55"/usr/src/*/Module.symvers)" --symvers2 "$(ls "$HA56"/usr/src/*/Module.symvers)" \
        --vmlinux1 "$(vmlinuz_of "$PA55")" --vmlinux2 "$(vmlinuz_of "$PA56")" "$(plain_modules_of "$PA55")" "$(plain_modules_of "$PA56")")
    row "arm64 plain cloud 55 vs 56, raw Image + Module.symvers + modules, BTF" "$r10" "-"
    S47=$(fetch linux-image-6.1.0-47-s390x-dbg:s390x)
    S50=$(fetch linux-image-6.1.0-50-s390x-dbg:s390x)
    echo "running: s390x 47 vs 50" >&2
    r9=$(median_run "$OURS" --vmlinux1 "$(vmlinux_of "$S47")" --vmlinux2 "$(vmlinux_of "$S50")" "$(modules_of "$S47")" "$(modules_of "$S50")")
    row "s390x 47 vs 50 (big-endian), vmlinux + $(find "$(modules_of "$S47")" -name '*.ko*' | wc -l) modules, all exports" "$r9" "-"
fi

if [ "$FULL" = 1 ]; then
    F55=$(fetch linux-image-6.1.0-55-amd64-dbg)
    F56=$(fetch linux-image-6.1.0-56-amd64-dbg)
    echo "running: full amd64 flavour" >&2
    r6=$(median_run "$OURS" --vmlinux1 "$(vmlinux_of "$F55")" --vmlinux2 "$(vmlinux_of "$F56")" "$(modules_of "$F55")" "$(modules_of "$F56")")
    row "amd64 55 vs 56, vmlinux + $(find "$(modules_of "$F55")" -name '*.ko*' | wc -l) modules, all exports" "$r6" "-"
fi

# DWARF volume, for time per MB.
"$OURS" --verbose --vmlinux1 "$V55" --vmlinux2 "$V56" "$M55" "$M56" 2> "$WORK/verbose" > /dev/null || true
MB=$(grep -o '[0-9.]* MB of .debug_info' "$WORK/verbose" | awk '{s += $1} END {printf "%.0f", s}')

echo
echo "kmidiff benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, ours = median of $RUNS runs"
echo
echo "| work | ours wall | ours user+sys | ours peak RSS | exit | libabigail wall | libabigail peak RSS | exit | libabigail/ours |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in "${ROWS[@]}"; do
    IFS='|' read -r name ours lib <<< "$r"
    read -r ow oc orss oexit <<< "$ours"
    if [ "$lib" = "-" ]; then
        printf '| %s | %.2f s | %.2f s | %d MB | %s | - | - | - | - |\n' "$name" "$ow" "$oc" $((orss / 1024)) "$oexit"
    else
        read -r lw lc lrss lexit <<< "$lib"
        printf '| %s | %.2f s | %.2f s | %d MB | %s | %.1f s | %d MB | %s | %.0fx |\n' "$name" "$ow" "$oc" $((orss / 1024)) "$oexit" "$lw" $((lrss / 1024)) "$lexit" "$(echo "$lw / $ow" | bc -l)"
    fi
done
read -r w1 _ <<< "$r1"; read -r wj1 _ <<< "$r1j1"
echo
printf '2 threads vs 1: %.2fx faster. DWARF read on the first row: %s MB of .debug_info (both sides), %.1f ms per MB.\n' \
    "$(echo "$wj1 / $w1" | bc -l)" "$MB" "$(echo "$w1 * 1000 / $MB" | bc -l)"
