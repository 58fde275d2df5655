-- section: Users
-- Commands run from interactive shells (a terminal, as sysdig's spy_users shows them),
-- privilege changes, and the users seen.
-- table: interactive | Commands run in interactive shells
SELECT capture, evt.time AS time, user.name AS "user", proc.pid AS pid, proc.cmdline AS cmdline,
       proc.pname AS parent, proc.tty AS tty
FROM events
WHERE evt.type IN ('execve', 'execveat') AND evt.dir = '<' AND NOT evt.failed AND NOT evt.hidden
  AND proc.tty IS NOT NULL AND proc.tty <> 0
ORDER BY capture, evt.num;
-- table: privilege | Privilege changes
SELECT capture, evt.time AS time, user.name AS "user", proc.name AS process, proc.pid AS pid,
       evt.type AS call, evt.args AS args, evt.res AS res, proc.cmdline AS cmdline
FROM events
WHERE evt.dir = '<' AND NOT evt.hidden
  AND (evt.type IN ('setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid',
                    'setfsuid', 'setfsgid', 'capset')
       OR (evt.type IN ('execve', 'execveat') AND NOT evt.failed
           AND proc.name IN ('sudo', 'su', 'doas', 'pkexec', 'runuser', 'newgrp', 'sg')))
ORDER BY capture, evt.num;
-- table: seen | Users seen
SELECT capture, user.uid AS uid, user.name AS "user", count(DISTINCT proc.id) AS processes,
       count(*) AS events
FROM events WHERE NOT evt.hidden AND user.uid IS NOT NULL
GROUP BY ALL ORDER BY capture, events DESC, uid;
