-- section: Files
-- Files written, created, deleted, renamed or changed in permissions, reads of sensitive
-- paths, and file activity per process.
-- table: written | Files written
SELECT capture, path, proc_name AS process, pid, bytes_written, writes, flags_text AS flags,
       opened_time
FROM files
WHERE type = 'file' AND (writes > 0 OR flags_text LIKE '%O_WRONLY%' OR flags_text LIKE '%O_RDWR%')
ORDER BY capture, first_seen, pid, path;
-- table: changes | Files created, deleted, renamed, linked, permissions changed
SELECT e.capture, e.evt.time AS time, e.proc.name AS process, e.proc.pid AS pid, e.evt.type AS call,
       coalesce(e.fd.name, s.args['path'], s.args['name'], s.args['oldpath'], s.args['target'],
                s.args['filename']) AS path,
       array_to_string(list_transform(map_entries(s.args), a -> a.key || '=' || a.value), ' ') AS args
FROM events e
LEFT JOIN (SELECT capture, exit_num, args FROM syscalls
           WHERE NOT failed
             AND name IN ('creat', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2', 'mkdir',
                          'mkdirat', 'rmdir', 'link', 'linkat', 'symlink', 'symlinkat', 'chmod',
                          'fchmod', 'fchmodat', 'chown', 'fchown', 'fchownat', 'lchown', 'truncate',
                          'ftruncate', 'open', 'openat', 'openat2')) s
  ON s.capture = e.capture AND s.exit_num = e.evt.num
WHERE e.evt.dir = '<' AND NOT e.evt.failed AND NOT e.evt.hidden
  AND (e.evt.type IN ('creat', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2', 'mkdir',
                      'mkdirat', 'rmdir', 'link', 'linkat', 'symlink', 'symlinkat', 'chmod',
                      'fchmod', 'fchmodat', 'chown', 'fchown', 'fchownat', 'lchown', 'truncate',
                      'ftruncate')
       OR (e.evt.type IN ('open', 'openat', 'openat2') AND s.args['flags'] LIKE '%O_CREAT%'))
ORDER BY e.capture, e.evt.num;
-- table: sensitive | Reads of sensitive paths
SELECT capture, evt.time AS time, proc.name AS process, proc.pid AS pid, user.name AS "user",
       fd.name AS path, proc.cmdline AS cmdline
FROM events
WHERE evt.dir = '<' AND NOT evt.failed AND NOT evt.hidden AND evt.is_open_read
  AND regexp_matches(fd.name, '^/etc/(shadow|gshadow|sudoers)|^/etc/sudoers\.d/|/\.ssh/|/id_(rsa|dsa|ecdsa|ed25519)|/\.aws/(credentials|config)|/\.config/gcloud/|/\.azure/|/\.kube/config|/\.docker/config\.json|/\.netrc$|/\.git-credentials$|/\.pgpass$|^/proc/[0-9]+/environ$')
ORDER BY capture, evt.num;
-- table: per_process | Files per process
SELECT capture, proc_name AS process, pid, count(DISTINCT path) AS files,
       sum(bytes_read)::BIGINT AS bytes_read, sum(bytes_written)::BIGINT AS bytes_written,
       sum(reads)::BIGINT AS reads, sum(writes)::BIGINT AS writes
FROM files WHERE type = 'file'
GROUP BY ALL ORDER BY capture, files DESC, process, pid;
