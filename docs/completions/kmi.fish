# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kmi_global_optspecs
    string join \n j/threads= max-input-size= root= h/help V/version
end

function __fish_kmi_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kmi_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kmi_using_subcommand
    set -l cmd (__fish_kmi_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kmi -n "__fish_kmi_needs_command" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_needs_command" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_needs_command" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kmi -n "__fish_kmi_needs_command" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_needs_command" -f -a "abi-check" -d 'Symbol-level ABI check between two builds (Module.symvers or kernel trees)'
complete -c kmi -n "__fish_kmi_needs_command" -f -a "modcheck" -d 'Will these modules load into that kernel? If not, why?'
complete -c kmi -n "__fish_kmi_needs_command" -f -a "dump" -d 'Write a kernel\'s KMI (exports and type graph) to a baseline file'
complete -c kmi -n "__fish_kmi_needs_command" -f -a "symbols" -d 'Extract or enforce symbol lists (Android GKI style)'
complete -c kmi -n "__fish_kmi_needs_command" -f -a "render" -d 'Draw the HTML page of a saved JSON report (kmidiff or abi-check)'
complete -c kmi -n "__fish_kmi_needs_command" -f -a "suppressions" -d 'About kmidiff\'s suppression files (--suppressions)'
complete -c kmi -n "__fish_kmi_needs_command" -f -a "man" -d 'Write the manual pages of kmidiff and kmi to a directory'
complete -c kmi -n "__fish_kmi_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish) for kmi or kmidiff'
complete -c kmi -n "__fish_kmi_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l vmlinux1 -l l1 -d 'vmlinux of the first kernel (KERNEL1 is then its modules directory): an ELF file or a boot image (vmlinuz)' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l vmlinux2 -l l2 -d 'vmlinux of the second kernel' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l system-map1 -d 'System.map of the first kernel (from its -dbg package, or /proc/kallsyms): the exports of a vmlinux without ELF headers (an arm64 Image) are decoded with it; found beside the image when real' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l system-map2 -d 'System.map of the second kernel' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l symvers1 -d 'Module.symvers of the first kernel: the exports of a vmlinux without ELF headers when no System.map is at hand; found as MODULES/build/Module.symvers when not given' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l symvers2 -d 'Module.symvers of the second kernel' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l types -d 'Where --explain reads types from: DWARF where a binary has it and BTF otherwise (auto), or only one of them' -r -f -a "auto\t'DWARF where a binary has it (or its debug file is found), BTF otherwise'
dwarf\t''
btf\t''"
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l ignore -d 'Accepted changes: lines `symbol GLOB` or `module GLOB`, `#` comments; repeatable' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l format -d 'Report format: text, json (kmi-abi-check/2) or html (one self-contained page)' -r -f -a "text\t''
json\t''
html\t'One self-contained page: search, filters, change trees'"
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -s o -l output -d 'Write the report to FILE instead of stdout (never one of the inputs)' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l explain -d 'Explain each CRC change by the type change behind it (trees with debug info, or dumps, on both sides)'
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -l verbose -d 'Print each phase with its time on stderr'
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kmi -n "__fish_kmi_using_subcommand abi-check" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -l kernel -d 'The kernel to load them into: tree, modules dir with --vmlinux, vmlinux, kmi dump, Module.symvers, or an installed kernel\'s release' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -l vmlinux -d 'vmlinux of the kernel (--kernel is then its modules directory)' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -l system-map -d 'The kernel\'s System.map (from its -dbg package, or /proc/kallsyms): the exports of a vmlinux without ELF headers (an arm64 Image) are decoded with it' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -l symvers -d 'The kernel\'s Module.symvers: the exports of a vmlinux without ELF headers when no System.map is at hand' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -l vermagic -d 'The kernel\'s vermagic, when it cannot be read from the kernel (kmi dump, Module.symvers)' -r
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -l format -d 'Report format' -r -f -a "text\t''
json\t''"
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -l explain -d 'Explain each CRC mismatch by the type change behind it (debug info in the module; a kernel tree with debug info, or a dump)'
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -l failures-only -d 'List only the modules that would not load'
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -l verbose -d 'Print each phase with its time on stderr'
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -s h -l help -d 'Print help'
complete -c kmi -n "__fish_kmi_using_subcommand modcheck" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_using_subcommand dump" -s o -l output -d 'Output file; \'-\' writes to stdout; a name ending in .gz is gzipped' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand dump" -l vmlinux -d 'vmlinux of the kernel, when it is not KERNEL/vmlinux' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand dump" -l system-map -d 'The kernel\'s System.map (from its -dbg package, or /proc/kallsyms): the exports of a vmlinux without ELF headers (an arm64 Image) are decoded with it' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand dump" -l symvers -d 'The kernel\'s Module.symvers: the exports of a vmlinux without ELF headers when no System.map is at hand' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand dump" -l types -d 'Where types come from: DWARF where a binary has it and BTF otherwise (auto), or only one of them' -r -f -a "auto\t'DWARF where a binary has it (or its debug file is found), BTF otherwise'
dwarf\t''
btf\t''"
complete -c kmi -n "__fish_kmi_using_subcommand dump" -s w -l kmi-whitelist -d 'Dump only the symbols of this list (Android symbol list, libabigail whitelist or one symbol per line) and the types they reach; repeatable' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand dump" -l debug-info-dir -l d -d 'Where to find split debug info (repeatable)' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand dump" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_using_subcommand dump" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_using_subcommand dump" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand dump" -l verbose -d 'Print what was read and how long it took on stderr'
complete -c kmi -n "__fish_kmi_using_subcommand dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kmi -n "__fish_kmi_using_subcommand dump" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and not __fish_seen_subcommand_from extract check help" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and not __fish_seen_subcommand_from extract check help" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and not __fish_seen_subcommand_from extract check help" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and not __fish_seen_subcommand_from extract check help" -s h -l help -d 'Print help'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and not __fish_seen_subcommand_from extract check help" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and not __fish_seen_subcommand_from extract check help" -f -a "extract" -d 'Write the kernel symbols that the given modules import as an Android symbol list ([abi_symbol_list], sorted, one per line)'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and not __fish_seen_subcommand_from extract check help" -f -a "check" -d 'Check that the given modules import only symbols of the lists (exit 4 on a violation)'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and not __fish_seen_subcommand_from extract check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from extract" -l kernel -d 'The kernel: a tree (directory with vmlinux and its modules below it), a modules directory with --vmlinux, a lone vmlinux, a kmi dump or a Module.symvers' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from extract" -l vmlinux -d 'vmlinux of the kernel, when it is not KERNEL/vmlinux' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from extract" -l system-map -d 'The kernel\'s System.map (from its -dbg package, or /proc/kallsyms): the exports of a vmlinux without ELF headers (an arm64 Image) are decoded with it' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from extract" -l symvers -d 'The kernel\'s Module.symvers: the exports of a vmlinux without ELF headers when no System.map is at hand' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from extract" -s o -l output -d 'Output list; \'-\' writes to stdout' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from extract" -l additions-only -d 'Keep every symbol of this existing list and only add to it (may be the output file itself)' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from extract" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from extract" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from extract" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from extract" -s h -l help -d 'Print help'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from extract" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -l list -d 'Symbol list (Android [abi_symbol_list], libabigail *whitelist / *stablelist INI, or one symbol per line); repeatable, unioned' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -l kernel -d 'The kernel: a tree (directory with vmlinux and its modules below it), a modules directory with --vmlinux, a lone vmlinux, a kmi dump or a Module.symvers' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -l vmlinux -d 'vmlinux of the kernel, when it is not KERNEL/vmlinux' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -l system-map -d 'The kernel\'s System.map (from its -dbg package, or /proc/kallsyms): the exports of a vmlinux without ELF headers (an arm64 Image) are decoded with it' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -l symvers -d 'The kernel\'s Module.symvers: the exports of a vmlinux without ELF headers when no System.map is at hand' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -l format -d 'Report format' -r -f -a "text\t''
json\t''"
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -l strict -d 'Also flag listed symbols that the kernel does not export'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from help" -f -a "extract" -d 'Write the kernel symbols that the given modules import as an Android symbol list ([abi_symbol_list], sorted, one per line)'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check that the given modules import only symbols of the lists (exit 4 on a violation)'
complete -c kmi -n "__fish_kmi_using_subcommand symbols; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kmi -n "__fish_kmi_using_subcommand render" -s o -l output -d 'Write the page to FILE instead of stdout (replaced only once the page is complete; never the report itself)' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand render" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_using_subcommand render" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_using_subcommand render" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand render" -s h -l help -d 'Print help'
complete -c kmi -n "__fish_kmi_using_subcommand render" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and not __fish_seen_subcommand_from keys help" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and not __fish_seen_subcommand_from keys help" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and not __fish_seen_subcommand_from keys help" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and not __fish_seen_subcommand_from keys help" -s h -l help -d 'Print help'
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and not __fish_seen_subcommand_from keys help" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and not __fish_seen_subcommand_from keys help" -f -a "keys" -d 'Print every section and key of a suppression file: its value, what it does, and whether it is supported, accepted and ignored, or refused'
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and not __fish_seen_subcommand_from keys help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and __fish_seen_subcommand_from keys" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and __fish_seen_subcommand_from keys" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and __fish_seen_subcommand_from keys" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and __fish_seen_subcommand_from keys" -s h -l help -d 'Print help'
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and __fish_seen_subcommand_from keys" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and __fish_seen_subcommand_from help" -f -a "keys" -d 'Print every section and key of a suppression file: its value, what it does, and whether it is supported, accepted and ignored, or refused'
complete -c kmi -n "__fish_kmi_using_subcommand suppressions; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kmi -n "__fish_kmi_using_subcommand man" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_using_subcommand man" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_using_subcommand man" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand man" -s h -l help -d 'Print help'
complete -c kmi -n "__fish_kmi_using_subcommand man" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_using_subcommand completions" -l command -d 'The command to complete' -r -f -a "kmi\t''
kmidiff\t''"
complete -c kmi -n "__fish_kmi_using_subcommand completions" -s j -l threads -d 'Worker threads (0: one per core)' -r
complete -c kmi -n "__fish_kmi_using_subcommand completions" -l max-input-size -d 'Most bytes one input may decompress to (e.g. 4G); xz inputs get a quarter of it, text inputs an eighth [default: 2G]' -r
complete -c kmi -n "__fish_kmi_using_subcommand completions" -l root -d 'Where a kernel named by its release (or `running`) is looked up: an unpacked package, a chroot, a mounted image [default: /]' -r -F
complete -c kmi -n "__fish_kmi_using_subcommand completions" -s h -l help -d 'Print help'
complete -c kmi -n "__fish_kmi_using_subcommand completions" -s V -l version -d 'Print version'
complete -c kmi -n "__fish_kmi_using_subcommand help; and not __fish_seen_subcommand_from abi-check modcheck dump symbols render suppressions man completions help" -f -a "abi-check" -d 'Symbol-level ABI check between two builds (Module.symvers or kernel trees)'
complete -c kmi -n "__fish_kmi_using_subcommand help; and not __fish_seen_subcommand_from abi-check modcheck dump symbols render suppressions man completions help" -f -a "modcheck" -d 'Will these modules load into that kernel? If not, why?'
complete -c kmi -n "__fish_kmi_using_subcommand help; and not __fish_seen_subcommand_from abi-check modcheck dump symbols render suppressions man completions help" -f -a "dump" -d 'Write a kernel\'s KMI (exports and type graph) to a baseline file'
complete -c kmi -n "__fish_kmi_using_subcommand help; and not __fish_seen_subcommand_from abi-check modcheck dump symbols render suppressions man completions help" -f -a "symbols" -d 'Extract or enforce symbol lists (Android GKI style)'
complete -c kmi -n "__fish_kmi_using_subcommand help; and not __fish_seen_subcommand_from abi-check modcheck dump symbols render suppressions man completions help" -f -a "render" -d 'Draw the HTML page of a saved JSON report (kmidiff or abi-check)'
complete -c kmi -n "__fish_kmi_using_subcommand help; and not __fish_seen_subcommand_from abi-check modcheck dump symbols render suppressions man completions help" -f -a "suppressions" -d 'About kmidiff\'s suppression files (--suppressions)'
complete -c kmi -n "__fish_kmi_using_subcommand help; and not __fish_seen_subcommand_from abi-check modcheck dump symbols render suppressions man completions help" -f -a "man" -d 'Write the manual pages of kmidiff and kmi to a directory'
complete -c kmi -n "__fish_kmi_using_subcommand help; and not __fish_seen_subcommand_from abi-check modcheck dump symbols render suppressions man completions help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish) for kmi or kmidiff'
complete -c kmi -n "__fish_kmi_using_subcommand help; and not __fish_seen_subcommand_from abi-check modcheck dump symbols render suppressions man completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kmi -n "__fish_kmi_using_subcommand help; and __fish_seen_subcommand_from symbols" -f -a "extract" -d 'Write the kernel symbols that the given modules import as an Android symbol list ([abi_symbol_list], sorted, one per line)'
complete -c kmi -n "__fish_kmi_using_subcommand help; and __fish_seen_subcommand_from symbols" -f -a "check" -d 'Check that the given modules import only symbols of the lists (exit 4 on a violation)'
complete -c kmi -n "__fish_kmi_using_subcommand help; and __fish_seen_subcommand_from suppressions" -f -a "keys" -d 'Print every section and key of a suppression file: its value, what it does, and whether it is supported, accepted and ignored, or refused'
