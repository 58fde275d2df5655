-- section: Timeline
-- Events per time step by category, counted from the first event; a step is the capture's
-- span cut in at most 120 (whole milliseconds). Steps whose failed calls reach 10 and three
-- times the median of the steps with failures are bursts.
-- table: steps | Events per step by category | all
-- The events are read twice (their span, then their steps) rather than kept (NOT
-- MATERIALIZED): keeping 4M rows cost more than reading them again (0.34 s against 0.13 s).
WITH e AS NOT MATERIALIZED (SELECT evt.time AS t, evt.category AS category, evt.failed AS failed
           FROM events WHERE NOT evt.hidden),
span AS (SELECT min(t) AS t0,
                greatest(1, ceil((epoch_ns(max(t)) - epoch_ns(min(t))) / 1e6 / 120))::BIGINT AS width
         FROM e)
SELECT (floor((epoch_ns(t) - epoch_ns(t0)) / (width * 1e6)) * width)::BIGINT AS offset_ms,
       width AS width_ms, category, count(*) AS events, count(*) FILTER (WHERE failed) AS failed
FROM e, span
GROUP BY ALL ORDER BY offset_ms, category;
-- table: bursts | Bursts of failures
WITH e AS NOT MATERIALIZED (SELECT evt.time AS t, evt.failed AS failed FROM events WHERE NOT evt.hidden),
span AS (SELECT min(t) AS t0,
                greatest(1, ceil((epoch_ns(max(t)) - epoch_ns(min(t))) / 1e6 / 120))::BIGINT AS width
         FROM e),
steps AS (
  SELECT (floor((epoch_ns(t) - epoch_ns(t0)) / (width * 1e6)) * width)::BIGINT AS offset_ms,
         count(*) AS events, count(*) FILTER (WHERE failed) AS failed
  FROM e, span GROUP BY ALL),
med AS (SELECT coalesce(median(failed) FILTER (WHERE failed > 0), 0) AS m FROM steps)
SELECT offset_ms, events, failed FROM steps, med
WHERE failed >= 10 AND failed >= 3 * m
ORDER BY offset_ms;
