-- section: Failures
-- Failed system calls by error, by process and call, and the paths that fail most.
-- table: by_errno | Failed calls by error
SELECT evt.res AS error, count(*) AS events,
       NOT (evt.res IN ('EAGAIN', 'EALREADY')) AS counted_as_failure
FROM events WHERE evt.failed AND NOT evt.hidden
GROUP BY ALL ORDER BY events DESC, error;
-- table: by_process | Failed calls by process and call
SELECT capture, proc.name AS process, proc.pid AS pid, evt.type AS call, evt.res AS error,
       count(*) AS events
FROM events WHERE evt.failed AND NOT evt.hidden
GROUP BY ALL ORDER BY capture, events DESC, process, pid, call, error;
-- table: paths | Paths that fail most
SELECT coalesce(e.fd.name, s.args['name'], s.args['path'], s.args['filename']) AS path,
       e.evt.res AS error, count(*) AS events, string_agg(DISTINCT e.proc.name, ', ' ORDER BY e.proc.name) AS processes
FROM events e
LEFT JOIN (SELECT capture, exit_num, args FROM syscalls WHERE failed) s
  ON s.capture = e.capture AND s.exit_num = e.evt.num
WHERE e.evt.failed AND NOT e.evt.hidden
  AND coalesce(e.fd.name, s.args['name'], s.args['path'], s.args['filename']) IS NOT NULL
GROUP BY ALL ORDER BY events DESC, path, error LIMIT 30;
