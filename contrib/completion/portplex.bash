# portplex.bash - bash completion for portplex: commands, each command's
# options (read from `portplex COMMAND --help`, so the two never disagree),
# scan types and timing templates, and files or directories where an
# option takes one.  Installed to share/bash-completion/completions/portplex.

_portplex_options() { # _portplex_options CMD: every option its --help names
    local cmd=$1
    "${_portplex_bin:-portplex}" "$cmd" --help 2>/dev/null |
        grep -oE '(^|[[:space:],/(\[])--?[A-Za-z][A-Za-z0-9-]*' |
        sed -E 's/^[[:space:],/(\[]//' | grep -vE '^-P[A-Z][0-9]' | sort -u
}

_portplex() {
    local cur prev cmd i
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    _portplex_bin=${COMP_WORDS[0]}
    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "lab stack scan httpd decode demux help --version --help" -- "$cur"))
        return
    fi
    # Options whose value is a file or a directory.
    case $prev in
    -oN|-oG|-oX|-oJ|-oL|-oA|-iL|--excludefile|--pcap|--html|--merge|--tls-cert|--tls-key|--log)
        COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --root)
        COMPREPLY=($(compgen -d -- "$cur")); return ;;
    esac
    case $cmd in
    help)
        COMPREPLY=($(compgen -W "lab stack scan httpd decode demux" -- "$cur")); return ;;
    decode)
        if [[ $cur != -* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi ;;
    esac
    if [[ $cur == -* ]]; then
        local opts
        opts=$(_portplex_options "$cmd")
        if [[ $cmd == scan ]]; then # the help writes these as ranges and pairs
            opts="$opts -sS -sT -sU -sA -sW -sF -sN -sX -sn -T0 -T1 -T2 -T3 -T4 -T5 -PE -PS -PA -PU -oN -oG -oX -oJ -oA -oL"
        fi
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    fi
}
complete -o default -F _portplex portplex
