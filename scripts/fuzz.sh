#!/usr/bin/env bash
# Build and run one libFuzzer target of Fuzz/ (docs/reliability.md, "Fuzzing").
#
#   scripts/fuzz.sh TARGET [SECONDS] [libFuzzer options...]
#   scripts/fuzz.sh --list            the targets
#   scripts/fuzz.sh --build           build only
#
# TARGET is a name from Fuzz/Main.swift (config, control, ctl, ctlhttp, http, listener, procstat, regex, status, worker, xmlrpc). SECONDS
# defaults to 60. The run starts from the committed seeds in
# Fuzz/corpus/TARGET/, copied into .build/fuzz/corpus/TARGET/ with what
# earlier local runs found there (never committed); an input that hangs for more
# than a second, allocates beyond the memory limit or traps fails the run and
# is saved under .build/fuzz/artifacts/TARGET/. Replay one with
#   SWIFTVISOR_FUZZ_TARGET=TARGET .build/fuzz/swiftvisor-fuzz FILE
#
# SWIFTVISOR_FUZZ_SANITIZE=fuzzer builds without AddressSanitizer, for long
# runs: most of SwiftvisorCore has no unsafe pointer code (the status fast
# path and the /proc parsers do: fuzz those with the default), so a trap (overflow, bad
# index, force unwrap) is caught by the Swift runtime alone, several times
# faster. The default, fuzzer,address, is what the test suite runs.
#
# Exit status: 0 no finding, 1 a finding (or a build error), 77 this
# toolchain cannot build fuzzers (swiftc without -sanitize=fuzzer).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
swiftc=${SWIFTC:-swiftc}
out=${SWIFTVISOR_FUZZ_DIR:-$root/.build/fuzz}
sanitize=${SWIFTVISOR_FUZZ_SANITIZE:-fuzzer,address}
case "$sanitize" in
    fuzzer,address) bin=$out/swiftvisor-fuzz ;;
    fuzzer) bin=$out/swiftvisor-fuzz-noasan ;;
    *) echo "fuzz.sh: SWIFTVISOR_FUZZ_SANITIZE is fuzzer,address or fuzzer" >&2; exit 2 ;;
esac
mkdir -p "$out"

targets() { sed -n 's/^ *static let name = "\(.*\)"$/\1/p' Fuzz/*FuzzTarget.swift | sort; }

build() {
    # The whole of SwiftvisorCore is compiled into the fuzzer (the targets use
    # its internal API), so `swift build` never builds or waits for it.
    local sources
    sources=$( (find Sources/SwiftvisorCore Fuzz -name '*.swift') | sort)
    if [ -x "$bin" ] && [ -z "$(find $sources -newer "$bin" | head -1)" ]; then return 0; fi
    local probe=$out/probe
    mkdir -p "$probe"
    printf '@_cdecl("LLVMFuzzerTestOneInput")\npublic func f(_ d: UnsafePointer<UInt8>?, _ n: Int) -> CInt { 0 }\n' > "$probe/probe.swift"
    if ! "$swiftc" -sanitize=fuzzer -parse-as-library "$probe/probe.swift" -o "$probe/probe" >"$probe/log" 2>&1; then
        echo "fuzz.sh: $swiftc cannot build libFuzzer targets (-sanitize=fuzzer):" >&2
        sed -n 1,5p "$probe/log" >&2
        exit 77
    fi
    echo "fuzz.sh: building $bin (SwiftvisorCore + Fuzz/, -O, -sanitize=$sanitize)" >&2
    local started
    started=$(date +%s)
    # ld.gold warns about every ASan helper symbol it cannot export: noise.
    # shellcheck disable=SC2086
    if ! "$swiftc" -sanitize="$sanitize" -parse-as-library -O -swift-version 6 \
        -module-name SwiftvisorFuzz $sources -o "$bin.tmp" >"$out/build.log" 2>&1; then
        grep -v "Cannot export local symbol" "$out/build.log" >&2
        exit 1
    fi
    mv "$bin.tmp" "$bin"
    # Dated when the compile started, so a source edited during it is newer.
    touch -d "@$started" "$bin"
}

case "${1:-}" in
    --list) targets; exit 0 ;;
    --build) build; exit 0 ;;
    ""|-h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
target=$1
seconds=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))
if ! targets | grep -qx "$target"; then
    echo "fuzz.sh: unknown target '$target'; targets: $(targets | tr '\n' ' ')" >&2
    exit 2
fi
build
seeds=$root/Fuzz/corpus/$target
work=$out/corpus/$target
artifacts=$out/artifacts/$target
mkdir -p "$work" "$artifacts"
# libFuzzer may write into every corpus directory it is given (-fork does):
# it only ever sees a copy of the committed seeds.
for f in "$seeds"/*; do [ -e "$work/${f##*/}" ] || cp "$f" "$work/"; done
dict=()
if [ -f "Fuzz/dict/$target.dict" ]; then dict=(-dict="Fuzz/dict/$target.dict"); fi
# SWIFT_BACKTRACE off: the Swift runtime's crash handler would race
# libFuzzer's own for the trap signal. -timeout: an input that takes longer
# (wall clock, 1 s unless SWIFTVISOR_FUZZ_TIMEOUT says otherwise) is a hang.
# -malloc_limit_mb: one allocation above it is a finding. ASan keeps no
# stack per allocation (a third of the time went there) and a small quarantine.
set +e
SWIFTVISOR_FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no \
ASAN_OPTIONS=detect_leaks=0:malloc_context_size=0:quarantine_size_mb=16:${ASAN_OPTIONS:-} \
    "$bin" -timeout="${SWIFTVISOR_FUZZ_TIMEOUT:-1}" -rss_limit_mb=2048 -malloc_limit_mb=512 -max_len=8192 \
    -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "${dict[@]}" "$@" "$work"
status=$?
set -e
if [ $status -ne 0 ]; then
    echo "fuzz.sh: target $target FAILED (libFuzzer exit $status); inputs in $artifacts:" >&2
    ls -t "$artifacts" | head -5 >&2
    exit 1
fi
echo "fuzz.sh: target $target: no crash, hang or memory blow-up in ${seconds}s"
