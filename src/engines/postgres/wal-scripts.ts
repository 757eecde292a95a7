/**
 * The two small shell programs PostgreSQL runs for berth's WAL archive
 * (as the service user, /bin/sh and coreutils only, no node):
 *
 *   archive-wal.sh  archive_command: <dir>/<name>.gz then <dir>/<name>.gz.sha256
 *   restore-wal.sh  restore_command: the backup's own WAL, then the archive,
 *                   each archived file checked against its SHA-256 first
 *
 * While the archive's intake is closed (archive-files.ts) archive-wal.sh
 * fails: PostgreSQL keeps the segment and tries again later.
 *
 * Archive layout: `<name>.gz` (gzip -4 -n of the WAL file) and
 * `<name>.gz.sha256` ("<hex>  <name>.gz", what `sha256sum -c` reads), the
 * latter written last: a file is archived once its .sha256 exists.
 * The scripts take every path as an argument: their text is constant.
 */
import { INTAKE_CLOSED_FILE } from '../archive-files.js';

export const ARCHIVE_SCRIPT = `#!/bin/sh
# berth archive_command (runs as the database service user):
#   sh archive-wal.sh <WAL file path %p> <WAL file name %f> <archive dir>
# Writes <dir>/<name>.gz (temp name, fsync, link: never replaces a file), then
# <dir>/<name>.gz.sha256. A file archived again succeeds only when the archived
# copy holds exactly the same bytes; different content fails and is kept.
# A primary and its standby archive the same segments into one directory, at
# the same time: each writer has temp files of its own (the shell's pid).
set -u
PATH=/usr/bin:/bin
export PATH
umask 077
src=$1
name=$2
dir=$3
case $name in
  '' | .* | */*) echo "berth archive: refusing WAL file name '$name'" >&2; exit 1 ;;
esac
if [ -e "$dir/${INTAKE_CLOSED_FILE}" ]; then
  echo "berth archive: not archiving $name now: $(cat "$dir/${INTAKE_CLOSED_FILE}" 2>/dev/null) (PostgreSQL keeps it in pg_wal meanwhile)" >&2
  exit 1
fi
gz=$dir/$name.gz
sum=$gz.sha256
tmp=$dir/.$name.gz.tmp.$$

fail() {
  rm -f "$tmp" "$tmp.sha256"
  echo "berth archive: $*" >&2
  exit 1
}

write_sum() {
  hex=$(sha256sum < "$gz") || fail "cannot hash $gz"
  printf '%s  %s\\n' "\${hex%% *}" "$name.gz" > "$tmp.sha256" || fail "cannot write $tmp.sha256"
  sync "$tmp.sha256" || fail "cannot fsync $tmp.sha256"
  mv -f "$tmp.sha256" "$sum" || fail "cannot rename $tmp.sha256"
  sync "$dir" || fail "cannot fsync $dir"
}

archived_already() {
  gzip -dc < "$gz" | cmp -s - "$src" || fail "$gz already exists with different content; refusing to overwrite it"
  if [ -e "$sum" ]; then
    read -r recorded rest < "$sum" || recorded=
    hex=$(sha256sum < "$gz") || fail "cannot hash $gz"
    [ "$recorded" = "\${hex%% *}" ] && exit 0
  fi
  write_sum
  exit 0
}

[ -e "$gz" ] && archived_already
rm -f "$tmp" "$tmp.sha256"
gzip -4 -n -c < "$src" > "$tmp" || fail "cannot compress $src"
sync "$tmp" || fail "cannot fsync $tmp"
if ! ln "$tmp" "$gz" 2>/dev/null; then
  # The other server archived it meanwhile: the same bytes are fine.
  rm -f "$tmp"
  [ -e "$gz" ] || fail "cannot create $gz"
  archived_already
fi
rm -f "$tmp"
write_sum
exit 0
`;

/** Exit status of restore-wal.sh for a damaged archive: above 125, so PostgreSQL aborts recovery. */
export const RESTORE_FATAL_EXIT = 201;

export const RESTORE_SCRIPT = `#!/bin/sh
# berth restore_command (runs as the database service user):
#   sh restore-wal.sh <WAL file name %f> <destination %p> <backup WAL dir> [<archive dir>]
# The archive first: <name>.gz only after its sha256 matched <name>.gz.sha256;
# else the backup's own WAL (checked against the backup manifest when it was
# copied there). Exit 1: not available (the end of the WAL). Exit ${RESTORE_FATAL_EXIT}: a damaged
# archive; PostgreSQL then aborts the recovery instead of ending it early.
set -u
PATH=/usr/bin:/bin
export PATH
umask 077
name=$1
dest=$2
backup_wal=$3
archive=\${4-}
fatal() {
  rm -f "$dest"
  echo "berth restore: $*" >&2
  exit ${RESTORE_FATAL_EXIT}
}
case $name in
  '' | .* | */*) fatal "refusing WAL file name '$name'" ;;
esac
from_backup() {
  [ -f "$backup_wal/$name" ] || exit 1
  cp "$backup_wal/$name" "$dest" || fatal "cannot copy $backup_wal/$name"
  exit 0
}
# The archive first: a backup taken on a standby holds its last segment as
# far as it was written then, the archive the whole segment.
[ -n "$archive" ] || from_backup
gz=$archive/$name.gz
[ -f "$gz.sha256" ] || from_backup
[ -f "$gz" ] || fatal "archived WAL file $gz is missing (its .sha256 exists)"
read -r expected rest < "$gz.sha256" || fatal "cannot read $gz.sha256"
actual=$(sha256sum < "$gz") || fatal "cannot read $gz"
actual=\${actual%% *}
[ "$actual" = "$expected" ] || fatal "archived WAL file $gz is corrupted: its sha256 is $actual, $gz.sha256 says $expected"
gzip -dc < "$gz" > "$dest" || fatal "archived WAL file $gz cannot be decompressed"
exit 0
`;

/** A POSIX shell word: 'it'\''s'. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('shell argument contains a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** PostgreSQL replaces %p/%f in archive_command and restore_command: a literal % is %%. */
function commandWord(value: string): string {
  return shellQuote(value).replace(/%/g, '%%');
}

/** archive_command archiving into `archiveDir` (as SHOW archive_command prints it). */
export function archiveCommand(script: string, archiveDir: string): string {
  return `/bin/sh ${commandWord(script)} %p %f ${commandWord(archiveDir)}`;
}

/** restore_command reading the backup's WAL, then the archive when there is one. */
export function restoreCommand(script: string, backupWalDir: string, archiveDir: string | undefined): string {
  const archive = archiveDir === undefined ? '' : ` ${commandWord(archiveDir)}`;
  return `/bin/sh ${commandWord(script)} %f %p ${commandWord(backupWalDir)}${archive}`;
}
