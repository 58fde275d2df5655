-- section: Performance
-- What sysdig's bottlenecks, topscalls, topprocs_* and topfiles_* chisels show.
-- table: slowest | Slowest system calls
-- The slowest calls are found first, and only their processes looked up.
WITH top AS (
  SELECT capture, evt.type AS call, proc.id AS id, evt.latency AS latency_ns, evt.time AS exit_time
  FROM events WHERE evt.dir = '<' AND evt.latency IS NOT NULL AND NOT evt.hidden
  ORDER BY latency_ns DESC, capture, exit_time LIMIT 20)
SELECT t.capture, t.call, p.name AS process, p.pid, t.latency_ns, t.exit_time
FROM top t LEFT JOIN processes p ON p.capture = t.capture AND p.id = t.id
ORDER BY t.latency_ns DESC, t.capture, t.exit_time;
-- table: calls | System calls by count (their exit events)
SELECT evt.type AS call, count(*) AS calls, sum(evt.latency)::BIGINT AS total_latency_ns,
       count(*) FILTER (WHERE evt.failed) AS failed
FROM events WHERE evt.dir = '<' AND evt.latency IS NOT NULL AND NOT evt.hidden
GROUP BY ALL ORDER BY calls DESC, call LIMIT 30;
-- table: procs_events | Processes by events
-- processes.events counts a process's events (evt.hidden aside), so no event is read here:
-- events of no known process are not listed.
SELECT capture, name AS process, pid, events
FROM processes WHERE events > 0
ORDER BY events DESC, capture, process, pid LIMIT 20;
-- table: procs_io | Processes by I/O bytes | narrow
SELECT capture, arg_max(proc.name, evt.num) AS process, proc.pid AS pid,
       sum(evt.rawres) FILTER (WHERE evt.is_io_read)::BIGINT AS bytes_read,
       sum(evt.rawres) FILTER (WHERE evt.is_io_write)::BIGINT AS bytes_written,
       sum(evt.rawres) FILTER (WHERE fd.type = 'file')::BIGINT AS file_bytes,
       sum(evt.rawres) FILTER (WHERE fd.type IN ('ipv4', 'ipv6'))::BIGINT AS net_bytes
FROM events
WHERE evt.is_io AND evt.dir = '<' AND evt.rawres > 0 AND NOT evt.hidden
GROUP BY capture, proc.id, proc.pid ORDER BY coalesce(bytes_read, 0) + coalesce(bytes_written, 0) DESC, capture, process, pid
LIMIT 20;
-- table: files_bytes | Files by I/O bytes | narrow
SELECT fd.name AS file, sum(evt.rawres)::BIGINT AS bytes,
       sum(evt.rawres) FILTER (WHERE evt.is_io_read)::BIGINT AS bytes_read,
       sum(evt.rawres) FILTER (WHERE evt.is_io_write)::BIGINT AS bytes_written
FROM events
WHERE evt.is_io AND evt.dir = '<' AND evt.rawres > 0 AND fd.type = 'file' AND NOT evt.hidden
GROUP BY ALL ORDER BY bytes DESC, file LIMIT 20;
