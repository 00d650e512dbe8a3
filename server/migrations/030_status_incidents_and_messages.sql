-- The status page's history and the operator's notices (issue 16).
--
-- service_incidents: when a part of the service (database, redis, workers, mail) was
-- seen down and when it was back, written by the servers' status watch. Nothing about
-- a school or a person: a component name and two instants.
CREATE TABLE service_incidents (
  id bigserial PRIMARY KEY,
  component text NOT NULL CHECK (component IN ('database', 'redis', 'workers', 'mail')),
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);
-- One open incident per component: several servers watching see the same outage once.
CREATE UNIQUE INDEX service_incidents_one_open ON service_incidents (component) WHERE ended_at IS NULL;
CREATE INDEX service_incidents_newest ON service_incidents (started_at DESC);

-- service_messages: what the operator tells everyone (school_id null) or one school's
-- people ("booking for Hillside opens at 19:30 instead"). Shown on /status and as a
-- banner on the school's pages until ended; ended ones are kept as the history.
CREATE TABLE service_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid REFERENCES schools (id) ON DELETE CASCADE,
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
  posted_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz
);
CREATE INDEX service_messages_current ON service_messages (posted_at DESC) WHERE ended_at IS NULL;
