# bench-common.sh — sourced by the bench scripts: repository root, build tree
# (first argument, default build/) and a built target in it.
#   bench_setup BUILD_DIR TARGET   sets $root and $build, builds TARGET (-j2) if $build lacks it
bench_setup() {
    root=$(cd "$(dirname "$0")/.." && pwd)
    build=${1:-"$root/build"}
    case $2 in
        htxsim) bench_bin="$build/sim/htxsim" ;;
        *) bench_bin="$build/models/memory/$2" ;;
    esac
    if [ ! -x "$bench_bin" ]; then
        cmake -S "$root" -B "$build" >/dev/null
        cmake --build "$build" -j2 --target "$2" >/dev/null
    fi
}
