-- section: Failures
-- Failed system calls by error, by process and call, and the paths that fail most (calls that
-- take a path).
-- table: by_errno | Failed calls by error | narrow
SELECT evt.res AS error, count(*) AS events,
       NOT (evt.res IN ('EAGAIN', 'EALREADY')) AS counted_as_failure
FROM events WHERE evt.failed AND NOT evt.hidden
GROUP BY ALL ORDER BY events DESC, error;
-- table: by_process | Failed calls by process and call | narrow
SELECT capture, proc.name AS process, proc.pid AS pid, evt.type AS call, evt.res AS error,
       count(*) AS events
FROM events WHERE evt.failed AND NOT evt.hidden
GROUP BY ALL ORDER BY capture, events DESC, process, pid, call, error;
-- table: paths | Paths that fail most | narrow
SELECT coalesce(fd.name, evt.arg['name'], evt.arg['path'], evt.arg['filename'], evt.arg['pathname']) AS path,
       evt.res AS error, count(*) AS events, string_agg(DISTINCT proc.name, ', ' ORDER BY proc.name) AS processes
FROM events
WHERE evt.type IN ('open', 'openat', 'openat2', 'creat', 'stat', 'lstat', 'newfstatat', 'statx', 'access',
                   'faccessat', 'faccessat2', 'readlink', 'readlinkat', 'unlink', 'unlinkat', 'rename',
                   'renameat', 'renameat2', 'mkdir', 'mkdirat', 'rmdir', 'chmod', 'fchmodat', 'chown', 'lchown',
                   'fchownat', 'link', 'linkat', 'symlink', 'symlinkat', 'truncate', 'chdir', 'execve',
                   'execveat', 'mount', 'umount', 'umount2', 'inotify_add_watch')
  AND evt.failed AND NOT evt.hidden
  AND coalesce(fd.name, evt.arg['name'], evt.arg['path'], evt.arg['filename'], evt.arg['pathname']) IS NOT NULL
GROUP BY ALL ORDER BY events DESC, path, error LIMIT 30;
