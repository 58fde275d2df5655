-- section: Performance
-- What sysdig's bottlenecks, topscalls, topprocs_* and topfiles_* chisels show.
-- table: slowest | Slowest system calls
SELECT capture, name AS call, proc_name AS process, pid, tid, latency AS latency_ns, enter_time,
       res, fd_name
FROM syscalls WHERE latency IS NOT NULL
ORDER BY latency DESC, capture, enter_num LIMIT 20;
-- table: calls | System calls by count
SELECT name AS call, count(*) AS calls, sum(latency)::BIGINT AS total_latency_ns,
       count(*) FILTER (WHERE failed) AS failed
FROM syscalls GROUP BY ALL ORDER BY calls DESC, call LIMIT 30;
-- table: procs_events | Processes by events
SELECT capture, arg_max(proc.name, evt.num) AS process, proc.pid AS pid, count(*) AS events
FROM events WHERE NOT evt.hidden
GROUP BY capture, proc.id, proc.pid ORDER BY events DESC, capture, process, pid LIMIT 20;
-- table: procs_io | Processes by I/O bytes
SELECT capture, arg_max(proc.name, evt.num) AS process, proc.pid AS pid,
       sum(evt.rawres) FILTER (WHERE evt.is_io_read)::BIGINT AS bytes_read,
       sum(evt.rawres) FILTER (WHERE evt.is_io_write)::BIGINT AS bytes_written,
       sum(evt.rawres) FILTER (WHERE fd.type = 'file')::BIGINT AS file_bytes,
       sum(evt.rawres) FILTER (WHERE fd.type IN ('ipv4', 'ipv6'))::BIGINT AS net_bytes
FROM events
WHERE evt.is_io AND evt.dir = '<' AND evt.rawres > 0 AND NOT evt.hidden
GROUP BY capture, proc.id, proc.pid ORDER BY coalesce(bytes_read, 0) + coalesce(bytes_written, 0) DESC, capture, process, pid
LIMIT 20;
-- table: files_bytes | Files by I/O bytes
SELECT fd.name AS file, sum(evt.rawres)::BIGINT AS bytes,
       sum(evt.rawres) FILTER (WHERE evt.is_io_read)::BIGINT AS bytes_read,
       sum(evt.rawres) FILTER (WHERE evt.is_io_write)::BIGINT AS bytes_written
FROM events
WHERE evt.is_io AND evt.dir = '<' AND evt.rawres > 0 AND fd.type = 'file' AND NOT evt.hidden
GROUP BY ALL ORDER BY bytes DESC, file LIMIT 20;
