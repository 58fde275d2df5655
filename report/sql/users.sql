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
SELECT e.capture, e.evt.time AS time, e.user.name AS "user", e.proc.name AS process, e.proc.pid AS pid,
       e.evt.type AS call,
       array_to_string(list_transform(map_entries(s.args), a -> a.key || '=' || a.value), ' ') AS args,
       e.evt.res AS res, e.proc.cmdline AS cmdline
FROM events e
LEFT JOIN (SELECT capture, exit_num, args FROM syscalls
           WHERE name IN ('setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid',
                          'setfsuid', 'setfsgid', 'capset', 'execve', 'execveat')) s
  ON s.capture = e.capture AND s.exit_num = e.evt.num
WHERE e.evt.dir = '<' AND NOT e.evt.hidden
  AND (e.evt.type IN ('setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid',
                      'setfsuid', 'setfsgid', 'capset')
       OR (e.evt.type IN ('execve', 'execveat') AND NOT e.evt.failed
           AND e.proc.name IN ('sudo', 'su', 'doas', 'pkexec', 'runuser', 'newgrp', 'sg')))
ORDER BY e.capture, e.evt.num;
-- table: seen | Users seen
SELECT capture, user.uid AS uid, user.name AS "user", count(DISTINCT proc.id) AS processes,
       count(*) AS events
FROM events WHERE NOT evt.hidden AND user.uid IS NOT NULL
GROUP BY ALL ORDER BY capture, events DESC, uid;
