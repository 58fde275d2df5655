-- section: Users
-- Commands run from interactive shells (a terminal, as sysdig's spy_users shows them),
-- privilege changes, and the users seen.
-- table: interactive | Commands run in interactive shells | narrow
SELECT capture, evt.time AS time, user.name AS "user", proc.pid AS pid, proc.cmdline AS cmdline,
       proc.pname AS parent, proc.tty AS tty
FROM events
WHERE evt.type IN ('execve', 'execveat') AND evt.dir = '<' AND NOT evt.failed AND NOT evt.hidden
  AND proc.tty IS NOT NULL AND proc.tty <> 0
ORDER BY capture, evt.num;
-- table: privilege | Privilege changes | narrow
SELECT capture, evt.time AS time, user.name AS "user", proc.name AS process, proc.pid AS pid,
       evt.type AS call,
       array_to_string(list_transform(map_entries(evt.arg), a -> a.key || '=' || a.value), ' ') AS args,
       evt.res AS res, proc.cmdline AS cmdline
FROM events
WHERE evt.dir = '<' AND NOT evt.hidden
  AND (evt.type IN ('setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid',
                    'setfsuid', 'setfsgid', 'capset')
       OR (evt.type IN ('execve', 'execveat') AND NOT evt.failed
           AND proc.name IN ('sudo', 'su', 'doas', 'pkexec', 'runuser', 'newgrp', 'sg')))
ORDER BY capture, evt.num;
-- table: seen | Users seen (each process's events under its last known user)
-- processes.events counts a process's events (evt.hidden aside), so no event is read here.
SELECT capture, uid, "user", count(*) AS processes, sum(events)::BIGINT AS events
FROM processes
WHERE uid IS NOT NULL AND events > 0
GROUP BY ALL ORDER BY capture, events DESC, uid;
