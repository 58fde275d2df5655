-- section: Processes
-- Every process lifetime, as a tree (indentation is ancestry), and the commands executed with
-- the ancestry that leads to them.
-- table: tree | Process tree
WITH RECURSIVE p AS (SELECT * FROM processes),
roots AS (
  SELECT capture, id FROM p
  WHERE parent_id IS NULL
     OR NOT EXISTS (SELECT 1 FROM p q WHERE q.capture = p.capture AND q.id = p.parent_id)),
tree(capture, id, depth, path) AS (
  SELECT capture, id, 0, [id] FROM roots
  UNION ALL
  SELECT c.capture, c.id, t.depth + 1, list_append(t.path, c.id)
  FROM tree t JOIN p c ON c.capture = t.capture AND c.parent_id = t.id
  WHERE t.depth < 100)
SELECT p.capture, repeat('· ', t.depth) || p.name AS process, p.pid, p.ppid, p.cmdline,
       p."user", nullif(p.container_id, 'host') AS container, p.start_time, p.end_time,
       p.exit_code, p.exit_signal,
       (SELECT count(*) FROM p c WHERE c.capture = p.capture AND c.parent_id = p.id) AS children,
       p.events
FROM tree t JOIN p ON p.capture = t.capture AND p.id = t.id
ORDER BY p.capture, t.path;
-- table: execs | Commands executed | narrow
SELECT capture, evt.time AS time, proc.pid AS pid, proc.name AS name, proc.cmdline AS cmdline,
       user.name AS "user", proc.pname AS parent, array_to_string(proc.anames, ' < ') AS ancestry
FROM events
WHERE evt.type IN ('execve', 'execveat') AND evt.dir = '<' AND NOT evt.failed AND NOT evt.hidden
ORDER BY capture, evt.num;
