-- section: Network
-- IP connections with the process and its ancestry, listening sockets, failed connects, and
-- DNS questions read from the payloads the snap length kept.
-- table: connections | Connections
SELECT c.capture, c.proc_name AS process, c.pid, c.role, c.l4proto AS proto, c.name AS tuple,
       c.bytes_in, c.bytes_out, c.first_seen, c.last_seen, p.cmdline,
       array_to_string(p.anames, ' < ') AS ancestry
FROM connections c LEFT JOIN processes p ON p.capture = c.capture AND p.id = c.proc_id
WHERE coalesce(c.name, '') <> ''
ORDER BY c.capture, c.first_seen, c.pid, c.fd;
-- table: listening | Listening sockets | narrow
SELECT capture, evt.time AS time, proc.name AS process, proc.pid AS pid, fd.name AS socket
FROM events
WHERE evt.type = 'listen' AND evt.dir = '<' AND NOT evt.failed AND NOT evt.hidden
ORDER BY capture, evt.num;
-- table: failed_connects | Failed connects | narrow
SELECT capture, evt.time AS time, proc.name AS process, proc.pid AS pid,
       coalesce(fd.name, evt.arg['tuple'], evt.arg['addr']) AS target, evt.res AS error
FROM events
WHERE evt.type = 'connect' AND evt.dir = '<' AND evt.failed AND NOT evt.hidden
ORDER BY capture, evt.num;
-- table: dns | DNS questions | narrow
SELECT capture, evt.time AS time, proc.name AS process, proc.pid AS pid, evt.type AS call,
       fd.name AS tuple,
       ltrim(regexp_replace(split_part(CAST(unhex(substr(hex(evt.buffer), 25)) AS VARCHAR), '\x00', 1),
                            '\\x[0-9A-Fa-f]{2}', '.', 'g'), '.') AS name
FROM events
WHERE evt.type IN ('sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg', 'write', 'read',
                   'writev', 'readv', 'send', 'recv')
  AND evt.dir = '<' AND NOT evt.hidden AND fd.l4proto = 'udp' AND (fd.sport = 53 OR fd.cport = 53)
  AND evt.is_io AND octet_length(evt.buffer) > 12
ORDER BY capture, evt.num;
