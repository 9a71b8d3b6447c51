# Shared by the bench scripts (sourced): Debian kernel packages, fetched
# into $CACHE once, and where their vmlinux and modules are.
fetch() { # package[:arch] -> unpacked dir
    local pkg="$1" dir="$CACHE/${1/:/-}" base="${1%%:*}"
    if [ ! -d "$dir" ]; then
        echo "fetching $pkg" >&2
        (cd "$CACHE" && apt-get download "$pkg" >&2 && dpkg -x "$base"_*.deb "$dir.tmp" && mv "$dir.tmp" "$dir" && rm -f "$base"_*.deb)
    fi
    echo "$dir"
}
vmlinux_of() { ls "$1"/usr/lib/debug/boot/vmlinux-* | head -1; }
modules_of() { ls -d "$1"/usr/lib/debug/lib/modules/* | head -1; }
