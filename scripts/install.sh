#!/bin/sh
# Build release binaries and install swiftvisor: binaries, system config,
# systemd unit, LSB init script, /etc/default file, logrotate file, docs.
#
#   sudo scripts/install.sh                        # into /usr/local and /etc
#   PREFIX=/opt/swiftvisor scripts/install.sh
#   DESTDIR=/tmp/pkgroot scripts/install.sh        # staged install (packaging)
#
# Variables (environment):
#   PREFIX         binaries under $PREFIX/bin, docs under $PREFIX/share/doc (default /usr/local)
#   DESTDIR        prepended to every installed path, not to the paths written into files
#   SYSCONFDIR     config, init.d, default, logrotate.d go under it (default /etc)
#   SYSTEMDUNITDIR where the unit goes (default /etc/systemd/system)
#   SWIFT          the swift driver (default: swift on PATH, else /opt/swift/usr/bin/swift)
#   SCRATCH_PATH   build directory (default .build-release, kept apart from the debug .build)
#   NO_BUILD=1     install what SCRATCH_PATH already holds, without building
#
# Never overwrites an existing swiftvisord.conf or /etc/default/swiftvisord.
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
SYSCONFDIR=${SYSCONFDIR:-/etc}
SYSTEMDUNITDIR=${SYSTEMDUNITDIR:-/etc/systemd/system}
SCRATCH_PATH=${SCRATCH_PATH:-.build-release}
if [ -z "${SWIFT:-}" ]; then
    if command -v swift >/dev/null 2>&1; then SWIFT=swift; else SWIFT=/opt/swift/usr/bin/swift; fi
fi

say() { printf '%s\n' "install.sh: $*"; }

if [ "${NO_BUILD:-}" != 1 ]; then
    # A static Swift standard library makes the binaries depend only on libc,
    # libstdc++ and libm: they run on hosts without a Swift toolchain.
    if ! "$SWIFT" build -c release --static-swift-stdlib --scratch-path "$SCRATCH_PATH"; then
        say "static linking of the Swift standard library failed; building with the shared one"
        say "(the installed binaries then need the Swift runtime libraries on the host)"
        "$SWIFT" build -c release --scratch-path "$SCRATCH_PATH"
    fi
fi
BIN=$("$SWIFT" build -c release --scratch-path "$SCRATCH_PATH" --show-bin-path)
for exe in swiftvisord swiftvisorctl; do
    if [ ! -x "$BIN/$exe" ]; then
        say "$BIN/$exe is missing: run without NO_BUILD=1" >&2
        exit 1
    fi
done

# Rewrite the default paths baked into the shipped files for this PREFIX/SYSCONFDIR.
substitute() {
    sed -e "s#/usr/local/bin/#$PREFIX/bin/#g" \
        -e "s#/usr/local/share/doc/#$PREFIX/share/doc/#g" \
        -e "s#/etc/swiftvisor/#$SYSCONFDIR/swiftvisor/#g" \
        -e "s#/etc/logrotate.d/#$SYSCONFDIR/logrotate.d/#g" \
        "$1"
}

# install_file MODE SOURCE TARGET [keep]: copy (through substitute) unless keep and TARGET exists.
install_file() {
    target=$DESTDIR$3
    if [ "${4:-}" = keep ] && [ -e "$target" ]; then
        say "kept existing $3"
        return 0
    fi
    mkdir -p "$(dirname "$target")"
    substitute "$ROOT/$2" > "$target.tmp.$$"
    chmod "$1" "$target.tmp.$$"
    mv -f "$target.tmp.$$" "$target"
    say "installed $3"
}

for exe in swiftvisord swiftvisorctl; do
    mkdir -p "$DESTDIR$PREFIX/bin"
    # Copy then rename: replacing a running binary in place would fail (ETXTBSY).
    cp "$BIN/$exe" "$DESTDIR$PREFIX/bin/.$exe.new"
    chmod 0755 "$DESTDIR$PREFIX/bin/.$exe.new"
    mv -f "$DESTDIR$PREFIX/bin/.$exe.new" "$DESTDIR$PREFIX/bin/$exe"
    say "installed $PREFIX/bin/$exe"
done

install_file 0644 config/system/swiftvisord.conf "$SYSCONFDIR/swiftvisor/swiftvisord.conf" keep
install_file 0644 config/system/conf.d/example.conf.disabled "$SYSCONFDIR/swiftvisor/conf.d/example.conf.disabled"
install_file 0755 config/init.d/swiftvisord "$SYSCONFDIR/init.d/swiftvisord"
install_file 0644 config/default/swiftvisord "$SYSCONFDIR/default/swiftvisord" keep
install_file 0644 config/logrotate.d/swiftvisor "$SYSCONFDIR/logrotate.d/swiftvisor"
install_file 0644 config/swiftvisord.service "$SYSTEMDUNITDIR/swiftvisord.service"
for doc in README.md docs/getting-started.md docs/operations.md docs/migrating-from-supervisor.md docs/recipes.md \
           docs/configuration.md docs/swiftvisorctl.md; do
    if [ -e "$ROOT/$doc" ]; then install_file 0644 "$doc" "$PREFIX/share/doc/swiftvisor/$(basename "$doc")"; fi
done
mkdir -p "$DESTDIR/var/log/swiftvisor"

say "done. Next: systemctl daemon-reload && systemctl enable --now swiftvisord"
say "      (or, without systemd: $SYSCONFDIR/init.d/swiftvisord start)"
