complete -c kmidiff -l vmlinux1 -l l1 -d 'vmlinux of the first kernel (KERNEL1 is then its modules directory): an ELF file or a boot image (vmlinuz)' -r -F
complete -c kmidiff -l vmlinux2 -l l2 -d 'vmlinux of the second kernel' -r -F
complete -c kmidiff -l system-map1 -d 'System.map of the first kernel (from its -dbg package, or /proc/kallsyms): the exports of a vmlinux without ELF headers (an arm64 Image) are decoded with it; found beside the image when real' -r -F
complete -c kmidiff -l system-map2 -d 'System.map of the second kernel' -r -F
complete -c kmidiff -l symvers1 -d 'Module.symvers of the first kernel: the exports of a vmlinux without ELF headers when no System.map is at hand; found as MODULES/build/Module.symvers when not given' -r -F
complete -c kmidiff -l symvers2 -d 'Module.symvers of the second kernel' -r -F
complete -c kmidiff -l types -d 'Where types come from: DWARF where a binary has it and BTF otherwise (auto), or only one of them' -r -f -a "auto\t'DWARF where a binary has it (or its debug file is found), BTF otherwise'
dwarf\t''
btf\t''"
complete -c kmidiff -s w -l kmi-whitelist -d 'Only compare the symbols listed in this INI file (sections ending in whitelist, stablelist or symbol_list); repeatable' -r -F
complete -c kmidiff -l symbol-filter -d 'Only compare the symbols this STG filter expression selects: globs, \':FILE\' symbol lists, \'!\', \'&\', \'|\' and parentheses (as `stg -S`); with -w, both apply' -r
complete -c kmidiff -l suppressions -l suppr -d 'libabigail suppression specification file; repeatable. `kmi suppressions keys` lists the sections and keys it may use' -r -F
complete -c kmidiff -l allow -d 'Approved changes (\'symbol NAME KIND\' or \'type NAME KIND\' per line, # reason): still reported, marked approved, but they set no exit bits; entries matching no change are listed as stale; repeatable' -r -F
complete -c kmidiff -l debug-info-dir1 -l d1 -d 'Where to find split debug info of the first kernel' -r -F
complete -c kmidiff -l debug-info-dir2 -l d2 -d 'Where to find split debug info of the second kernel' -r -F
complete -c kmidiff -l format -d 'Report format: text (libabigail\'s), json (kmidiff-report/2) or html (one self-contained page to browse)' -r -f -a "text\t''
json\t''
html\t'One self-contained page: search, filters, change trees'"
complete -c kmidiff -s o -l output -d 'Write the report to FILE instead of stdout (replaced only once the report is complete; never one of the inputs)' -r -F
complete -c kmidiff -l json-schema -d 'JSON schema version: 2 (kmidiff-report/2, the default: every change with its path, old and new symbols) or 1 (kmidiff-report/1, which lacks changes below unnamed types)' -r
complete -c kmidiff -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmidiff -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmidiff -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmidiff -s i -l impacted-interfaces -d 'List the interfaces impacted by each changed type'
complete -c kmidiff -s f -l full-impact -d 'Show the full change tree of each changed interface'
complete -c kmidiff -l show-bytes -d 'Show sizes and offsets in bytes (default)'
complete -c kmidiff -l show-bits -d 'Show sizes and offsets in bits'
complete -c kmidiff -l show-hex -d 'Show numbers in hexadecimal (default)'
complete -c kmidiff -l show-dec -d 'Show numbers in decimal'
complete -c kmidiff -l verbose -d 'Print each phase with its time and counts on stderr'
complete -c kmidiff -s v -l version -d 'Print the version and exit'
complete -c kmidiff -s h -l help -d 'Print help (see more with \'--help\')'
