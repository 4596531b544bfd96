# completion_expect.sh - sourced by tests/cli/completion*.sh: expect and
# refuse ask the caller's ask() function (WORD... -> the offers, one per
# line) and set fail=1 on a miss.  "WORDS" ending in a space asks for the
# next, empty word.
offers() { # offers "WORDS": what ask() offers for the last of them
    local words=$1
    read -r -a argv <<<"$words"
    [[ $words == *" " ]] && argv+=("")
    ask "${argv[@]}"
}
expect() { # expect "WORDS" WANTED... : each wanted word is offered
    local words=$1 got w
    shift
    got=$(offers "$words")
    for w in "$@"; do
        grep -qxF -- "$w" <<<"$got" || { echo "FAIL: '$words' does not offer $w (got: $(echo $got | head -c 300))"; fail=1; }
    done
}
refuse() { # refuse "WORDS" UNWANTED... : none of them is offered
    local words=$1 got w
    shift
    got=$(offers "$words")
    for w in "$@"; do
        grep -qxF -- "$w" <<<"$got" && { echo "FAIL: '$words' offers $w"; fail=1; }
    done
}
