//! A small dependency-graph runner. Each step is a future that starts once all
//! the steps it comes after have succeeded; ready steps run concurrently (up to
//! a limit). After the first failure no new step starts, steps in flight finish,
//! and the outcome says which steps completed, failed or never started.
//!
//! A deadline works the same way: once it passes no new step starts, and the
//! steps in flight are allowed to finish, because dropping an AWS call whose
//! request was sent could leave behind an object nobody recorded.
//!
//! Invariants: a step starts at most once; a step never starts before every
//! step in its `after` list completed; the outcome lists every step exactly once.

use std::collections::HashSet;
use std::fmt::Debug;
use std::hash::Hash;

use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};

pub struct Step<'a, K, E> {
    pub id: K,
    pub after: Vec<K>,
    pub work: BoxFuture<'a, Result<(), E>>,
}

impl<'a, K, E> Step<'a, K, E> {
    pub fn new(id: K, after: &[K], work: BoxFuture<'a, Result<(), E>>) -> Self
    where
        K: Copy,
    {
        Self {
            id,
            after: after.to_vec(),
            work,
        }
    }
}

#[derive(Debug)]
pub struct Outcome<K, E> {
    pub completed: Vec<K>,
    pub failed: Vec<(K, E)>,
    pub not_started: Vec<K>,
    /// The deadline passed before every step could start.
    pub timed_out: bool,
}

impl<K, E> Outcome<K, E> {
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty() && self.not_started.is_empty()
    }
}

/// Runs the graph with at most `max_in_flight` steps at once (0 means no limit).
pub async fn run<'a, K, E>(steps: Vec<Step<'a, K, E>>, max_in_flight: usize) -> Outcome<K, E>
where
    K: Copy + Eq + Hash + Debug + Send + 'a,
    E: Send + 'a,
{
    run_until(steps, max_in_flight, None).await
}

/// As [`run`], starting no step after `deadline`.
pub async fn run_until<'a, K, E>(
    steps: Vec<Step<'a, K, E>>,
    max_in_flight: usize,
    deadline: Option<tokio::time::Instant>,
) -> Outcome<K, E>
where
    K: Copy + Eq + Hash + Debug + Send + 'a,
    E: Send + 'a,
{
    let limit = if max_in_flight == 0 {
        usize::MAX
    } else {
        max_in_flight
    };
    let known: HashSet<K> = steps.iter().map(|s| s.id).collect();
    let mut pending: Vec<Step<'a, K, E>> = steps;
    let mut done: HashSet<K> = HashSet::new();
    let mut outcome = Outcome {
        completed: Vec::new(),
        failed: Vec::new(),
        not_started: Vec::new(),
        timed_out: false,
    };
    let mut in_flight = FuturesUnordered::new();
    loop {
        if outcome.failed.is_empty() && !outcome.timed_out {
            // Dependencies on steps that are not in the graph count as satisfied:
            // callers leave out steps that have nothing to do.
            let mut index = 0;
            while index < pending.len() && in_flight.len() < limit {
                let ready = pending[index]
                    .after
                    .iter()
                    .all(|dep| done.contains(dep) || !known.contains(dep));
                if ready {
                    let step = pending.swap_remove(index);
                    let id = step.id;
                    let work = step.work;
                    in_flight.push(async move { (id, work.await) });
                } else {
                    index += 1;
                }
            }
        }
        let next = match deadline {
            Some(deadline) if !outcome.timed_out && !in_flight.is_empty() => {
                tokio::select! {
                    next = in_flight.next() => next,
                    _ = tokio::time::sleep_until(deadline) => {
                        outcome.timed_out = true;
                        continue;
                    }
                }
            }
            _ => in_flight.next().await,
        };
        match next {
            Some((id, Ok(()))) => {
                done.insert(id);
                outcome.completed.push(id);
            }
            Some((id, Err(err))) => outcome.failed.push((id, err)),
            None => break,
        }
    }
    outcome.not_started = pending.into_iter().map(|s| s.id).collect();
    outcome.timed_out = outcome.timed_out && !outcome.not_started.is_empty();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    fn step<'a>(
        id: &'static str,
        after: &[&'static str],
        log: Arc<Mutex<Vec<String>>>,
        fail: bool,
    ) -> Step<'a, &'static str, String> {
        Step::new(
            id,
            after,
            Box::pin(async move {
                log.lock().unwrap().push(format!("start {id}"));
                tokio::time::sleep(Duration::from_millis(10)).await;
                log.lock().unwrap().push(format!("end {id}"));
                if fail {
                    Err(format!("{id} failed"))
                } else {
                    Ok(())
                }
            }),
        )
    }

    fn position(log: &[String], entry: &str) -> usize {
        log.iter()
            .position(|e| e == entry)
            .unwrap_or_else(|| panic!("{entry} missing in {log:?}"))
    }

    #[tokio::test(start_paused = true)]
    async fn independent_steps_run_together_and_dependents_wait() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let steps = vec![
            step("trail", &["key", "bucket"], log.clone(), false),
            step("key", &[], log.clone(), false),
            step("bucket", &["key"], log.clone(), false),
            step("topic", &[], log.clone(), false),
        ];
        let outcome = run(steps, 0).await;
        assert!(outcome.succeeded());
        let log = log.lock().unwrap().clone();
        // key and topic start before either ends.
        assert!(position(&log, "start topic") < position(&log, "end key"));
        assert!(position(&log, "end key") < position(&log, "start bucket"));
        assert!(position(&log, "end bucket") < position(&log, "start trail"));
    }

    #[tokio::test(start_paused = true)]
    async fn one_at_a_time_never_overlaps() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let steps = vec![
            step("a", &[], log.clone(), false),
            step("b", &[], log.clone(), false),
            step("c", &["a"], log.clone(), false),
        ];
        assert!(run(steps, 1).await.succeeded());
        let log = log.lock().unwrap().clone();
        for pair in log.chunks(2) {
            assert_eq!(pair[0].replace("start", "end"), pair[1], "{log:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_stops_new_steps_but_lets_running_ones_finish() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let steps = vec![
            step("key", &[], log.clone(), true),
            step("topic", &[], log.clone(), false),
            step("trail", &["key"], log.clone(), false),
            step("alarm", &["topic"], log.clone(), false),
        ];
        let outcome = run(steps, 0).await;
        assert_eq!(outcome.completed, vec!["topic"]);
        assert_eq!(outcome.failed.len(), 1);
        assert_eq!(outcome.failed[0].0, "key");
        let mut not_started = outcome.not_started.clone();
        not_started.sort();
        assert_eq!(not_started, vec!["alarm", "trail"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_stops_new_steps_and_lets_running_ones_finish() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let steps = vec![
            step("key", &[], log.clone(), false),
            step("trail", &["key"], log.clone(), false),
        ];
        let deadline = tokio::time::Instant::now() + Duration::from_millis(5);
        let outcome = run_until(steps, 0, Some(deadline)).await;
        assert!(outcome.timed_out);
        // key was in flight at the deadline and finished; trail never started.
        assert_eq!(outcome.completed, vec!["key"]);
        assert_eq!(outcome.not_started, vec!["trail"]);
        assert!(log.lock().unwrap().contains(&"end key".to_string()));
    }

    #[tokio::test(start_paused = true)]
    async fn missing_dependencies_count_as_satisfied() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let outcome = run(vec![step("alarm", &["not-in-graph"], log, false)], 0).await;
        assert_eq!(outcome.completed, vec!["alarm"]);
    }
}
