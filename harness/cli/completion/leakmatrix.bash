# bash completion for leakmatrix.  Commands are listed here; each
# command's options are read from its own --help, so a new option needs no
# change here, and --python completes the tags `leakmatrix pythons list`
# shows.  Installed as <datadir>/bash-completion/completions/leakmatrix.

# The options of `leakmatrix WORDS... --help`, one per line.
_leakmatrix_options()
{
    "$@" --help 2>/dev/null |
        grep -oE -- '(^|[][ ,(|])--?[A-Za-z][A-Za-z0-9-]*' |
        sed 's/^[][ ,(|]*//' | sort -u
}

# The interpreter tags of this machine and cache.
_leakmatrix_tags()
{
    "$1" pythons list 2>/dev/null | awk 'NR > 1 && $0 !~ /^ / { print $1 }'
}

_leakmatrix()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=${COMP_WORDS[COMP_CWORD - 1]}
    local lmx=${COMP_WORDS[0]}
    local cmd=${COMP_WORDS[1]}
    local words

    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        words="run report compare check bisect pythons help --help --version"
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
        return 0
    fi
    if [ "$cmd" = pythons ] && [ "$COMP_CWORD" -eq 2 ]; then
        mapfile -t COMPREPLY < <(compgen -W "list add build sync --help" \
            -- "$cur")
        return 0
    fi
    case $prev in
    --python)
        mapfile -t COMPREPLY < <(compgen -W "all $(_leakmatrix_tags "$lmx")" \
            -- "$cur")
        return 0
        ;;
    --format)
        mapfile -t COMPREPLY < <(compgen -W "text markdown html json junit csv" \
            -- "$cur")
        return 0
        ;;
    --out|--libs-dir|--find-links|--git|add)
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return 0
        ;;
    esac
    if [[ $cur == -* ]]; then
        local sub=("$cmd")
        [ "$cmd" = pythons ] && sub+=("${COMP_WORDS[2]}")
        words=$(_leakmatrix_options "$lmx" "${sub[@]}")
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
        return 0
    fi
    # Scenarios (.py) and result directories.
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return 0
}
complete -o filenames -o bashdefault -F _leakmatrix leakmatrix
