_kmidiff() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="kmidiff"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        kmidiff)
            opts="-w -i -f -o -j -v -h --l1 --vmlinux1 --l2 --vmlinux2 --system-map1 --system-map2 --symvers1 --symvers2 --types --kmi-whitelist --symbol-filter --suppr --suppressions --allow --d1 --debug-info-dir1 --d2 --debug-info-dir2 --impacted-interfaces --full-impact --show-bytes --show-bits --show-hex --show-dec --format --output --json-schema --threads --max-input-size --root --verbose --version --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --vmlinux1)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --l1)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vmlinux2)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --l2)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --system-map1)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --system-map2)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --symvers1)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --symvers2)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --types)
                    COMPREPLY=($(compgen -W "auto dwarf btf" -- "${cur}"))
                    return 0
                    ;;
                --kmi-whitelist)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -w)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --symbol-filter)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --suppressions)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --suppr)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --allow)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --debug-info-dir1)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --d1)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --debug-info-dir2)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --d2)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text json html" -- "${cur}"))
                    return 0
                    ;;
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --json-schema)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --threads)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -j)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-input-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _kmidiff -o nosort -o bashdefault -o default kmidiff
else
    complete -F _kmidiff -o bashdefault -o default kmidiff
fi
