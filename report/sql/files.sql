-- section: Files
-- Files written, created, deleted, renamed or changed in permissions, reads of sensitive
-- paths, and file activity per process.
-- table: written | Files written
SELECT capture, path, proc_name AS process, pid, bytes_written, writes, flags_text AS flags,
       opened_time
FROM files
WHERE type = 'file' AND (writes > 0 OR flags_text LIKE '%O_WRONLY%' OR flags_text LIKE '%O_RDWR%')
ORDER BY capture, first_seen, pid, path;
-- table: changes | Files created, deleted, renamed, linked, permissions changed | narrow
SELECT capture, evt.time AS time, proc.name AS process, proc.pid AS pid, evt.type AS call,
       coalesce(fd.name, evt.arg['path'], evt.arg['name'], evt.arg['oldpath'], evt.arg['target'],
                evt.arg['filename'], evt.arg['pathname']) AS path,
       array_to_string(list_transform(map_entries(evt.arg), a -> a.key || '=' || a.value), ' ') AS args
FROM events
WHERE evt.dir = '<' AND NOT evt.failed AND NOT evt.hidden
  AND evt.type IN ('creat', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2', 'mkdir', 'mkdirat',
                   'rmdir', 'link', 'linkat', 'symlink', 'symlinkat', 'chmod', 'fchmod', 'fchmodat', 'chown',
                   'fchown', 'fchownat', 'lchown', 'truncate', 'ftruncate', 'open', 'openat', 'openat2')
  AND (evt.type NOT IN ('open', 'openat', 'openat2') OR evt.arg['flags'] LIKE '%O_CREAT%')
ORDER BY capture, evt.num;
-- table: sensitive | Reads of sensitive paths | narrow
SELECT capture, evt.time AS time, proc.name AS process, proc.pid AS pid, user.name AS "user",
       fd.name AS path, proc.cmdline AS cmdline
FROM events
WHERE evt.type IN ('open', 'openat', 'openat2', 'open_by_handle_at') AND evt.dir = '<'
  AND NOT evt.failed AND NOT evt.hidden AND evt.is_open_read
  AND regexp_matches(fd.name, '^/etc/(shadow|gshadow|sudoers)|^/etc/sudoers\.d/|/\.ssh/|/id_(rsa|dsa|ecdsa|ed25519)|/\.aws/(credentials|config)|/\.config/gcloud/|/\.azure/|/\.kube/config|/\.docker/config\.json|/\.netrc$|/\.git-credentials$|/\.pgpass$|^/proc/[0-9]+/environ$')
ORDER BY capture, evt.num;
-- table: per_process | Files per process
SELECT capture, proc_name AS process, pid, count(DISTINCT path) AS files,
       sum(bytes_read)::BIGINT AS bytes_read, sum(bytes_written)::BIGINT AS bytes_written,
       sum(reads)::BIGINT AS reads, sum(writes)::BIGINT AS writes
FROM files WHERE type = 'file'
GROUP BY ALL ORDER BY capture, files DESC, process, pid;
