-- section: Summary
-- The captures read, the machine each was recorded on, their span, and the events by category.
-- table: captures | Captures
SELECT capture, hostname AS host, num_cpus AS cpus, memory_bytes, first_time, last_time,
       round(epoch_ms(last_time - first_time) / 1000.0, 3) AS span_s,
       events, hidden, dropped, skipped, unknown_blocks
FROM captures ORDER BY capture;
-- table: categories | Events by category (all captures)
SELECT evt.category AS category, count(*) AS events,
       count(*) FILTER (WHERE evt.failed) AS failed
FROM events WHERE NOT evt.hidden
GROUP BY ALL ORDER BY events DESC, category;
-- table: containers | Containers
SELECT c.capture, c.id, c.name, c.image, c.type, c.privileged,
       coalesce(n.processes, 0) AS processes, coalesce(n.events, 0) AS events
FROM containers c
LEFT JOIN (SELECT capture, container_id AS id, count(*) AS processes, sum(events)::BIGINT AS events
           FROM processes WHERE events > 0 GROUP BY ALL) n
  ON n.capture = c.capture AND n.id = c.id
ORDER BY c.capture, c.id;
