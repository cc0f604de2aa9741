# Sourced by the scripts that build (setup, sanitize, fuzz, vm-test): compile
# through ccache where it is installed (scripts/setup installs it), with paths
# made relative to the checkout, so that a second run, a fresh clone at
# another path and vm-test's broken-fexit tracer reuse what was compiled
# before.  Use: cmake ... "${compiler_cache[@]}"
compiler_cache=()
if command -v ccache >/dev/null; then
  compiler_cache=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(pwd -P)}
  export CCACHE_BASEDIR CCACHE_NOHASHDIR=1
fi
