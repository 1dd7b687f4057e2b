# What infra/deploy.sh and infra/destroy.sh share, sourced by both as `source infra/stage.sh "$@"` once they
# have defined usage() and set `script` to their own name: the one argument (a stage in .chalice/config.json),
# the repository root as the working directory, and die().
[[ $# -eq 1 ]] || usage
stage=$1
case "$stage" in
    local | dev | prod) ;;
    -h | --help) usage ;;
    *) echo "$script: unknown stage '$stage'" >&2; usage ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

die() { echo "$script: $*" >&2; exit 1; }
