#!/usr/bin/env bash
# The kernel's own modversions CRCs as an oracle for kmidiff.
#
#   bench/oracle.sh OLD NEW
#
# OLD and NEW are unpacked Debian -dbg packages (dpkg -x of
# linux-image-RELEASE-dbg: usr/lib/debug/boot/vmlinux-* and
# usr/lib/debug/lib/modules/*) or kernel trees (a directory holding vmlinux).
# genksyms computes a symbol's CRC from the C types it reaches, so:
#   - an export no debug info types is a hole in what kmidiff can see;
#   - a CRC that changed while kmidiff shows no type change is a miss of
#     ours, or a change DWARF cannot show (kmidiff flags it crc_unexplained).
# Prints, per pair: wall time and peak memory of kmidiff, exports per side,
# the untyped exports per side, and the flagged CRC changes, by name.
# Exit status: 0 when every export is typed and every CRC change explained,
# 1 otherwise (or on error).
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,16p' "$0"; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin kmidiff --bin kmi
BIN="$ROOT/target/release"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The kmidiff arguments for one side: a -dbg package or a tree.
side() {
    if [ -d "$1/usr/lib/debug/boot" ]; then
        echo "$(ls -d "$1"/usr/lib/debug/lib/modules/* | head -1)" "$(ls "$1"/usr/lib/debug/boot/vmlinux-* | head -1)"
    else
        echo "$1" ""
    fi
}
read -r MA VA <<< "$(side "$1")"
read -r MB VB <<< "$(side "$2")"
args=()
[ -n "$VA" ] && args+=(--vmlinux1 "$VA")
[ -n "$VB" ] && args+=(--vmlinux2 "$VB")

set +e
/usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN/kmidiff" --format json "${args[@]}" "$MA" "$MB" > "$WORK/report.json"
code=$?
set -e
[ "$code" -le 12 ] && [ "$code" -ne 1 ] && [ "$code" -ne 2 ] || { echo "kmidiff failed (exit $code)" >&2; exit 1; }
read -r wall rss < <(tail -n 1 "$WORK/time")

# The untyped exports of each side, from a dump of it.
untyped() { # modules vmlinux out
    local v=()
    [ -n "$2" ] && v=(--vmlinux "$2")
    "$BIN/kmi" dump "${v[@]}" "$1" -o "$3" 2> /dev/null
    awk '$1 == "sym" && $4 == "-" { print $2 " [" $5 "]" }' "$3"
}
untyped "$MA" "$VA" "$WORK/a.kmi" > "$WORK/untyped-a"
untyped "$MB" "$VB" "$WORK/b.kmi" > "$WORK/untyped-b"

python3 - "$WORK" "$wall" "$rss" "$code" <<'EOF'
import json, sys
work, wall, rss, code = sys.argv[1:]
doc = json.load(open(f"{work}/report.json"))
exports = {s: sum(1 for l in open(f"{work}/{s}.kmi") if l.startswith("sym ")) for s in "ab"}
untyped = {s: open(f"{work}/untyped-{s}").read().split("\n")[:-1] for s in "ab"}
flagged = [c["symbol"]["name"] for c in doc["changed"]
           if any(d["kind"] == "crc_unexplained" for d in c["symbol_changes"])]
print(f"kmidiff: exit {code}, {wall} s, {int(rss) // 1024} MB peak")
print(f"exports: {exports['a']} old, {exports['b']} new; changed entries: {len(doc['changed'])}")
for s, name in (("a", "old"), ("b", "new")):
    u = untyped[s]
    print(f"untyped exports, {name}: {len(u)}" + (": " + ", ".join(u[:40]) + (" ..." if len(u) > 40 else "") if u else ""))
print(f"CRC changed with no type change visible: {len(flagged)}" + (": " + ", ".join(flagged) if flagged else ""))
sys.exit(1 if flagged or untyped["a"] or untyped["b"] else 0)
EOF
