//! A small dependency-graph runner. Each step is a future that starts once all
//! the steps it comes after have succeeded; ready steps run concurrently (up to
//! a limit). What a failure stops is the caller's [`FailurePolicy`]: every new
//! step (apply: the rest would build on a half-made pipeline), or only the
//! steps that wait for the failed one, directly or not (delete: everything
//! else can still go). Steps in flight finish, and the outcome says which
//! steps completed, failed or never started.
//!
//! A step may also be usable before it ends: a key can encrypt as soon as it
//! exists, while its alias and rotation are still being set. Such a step is
//! given a [`Usable`] handle and says when; steps that only use it
//! (`after_usable`) start then, steps that need all of it (`after`) wait for
//! its end.
//!
//! A deadline works the same way: once it passes no new step starts, and the
//! steps in flight are allowed to finish, because dropping an AWS call whose
//! request was sent could leave behind an object nobody recorded.
//!
//! Invariants: a step starts at most once; a step never starts before every
//! step in its `after` list completed and every step in its `after_usable`
//! list said it was usable or completed (a step that failed is neither, even
//! if it said it was usable before failing); the outcome lists every step
//! exactly once.

use std::collections::HashSet;
use std::fmt::Debug;
use std::hash::Hash;

use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;
use tokio::sync::oneshot;

pub struct Step<'a, K, E> {
    pub id: K,
    /// Steps that must have completed first.
    pub after: Vec<K>,
    /// Steps that must be usable (or completed) first.
    pub after_usable: Vec<K>,
    pub work: BoxFuture<'a, Result<(), E>>,
    usable: Option<oneshot::Receiver<()>>,
}

impl<'a, K, E> Step<'a, K, E> {
    pub fn new(id: K, after: &[K], work: BoxFuture<'a, Result<(), E>>) -> Self
    where
        K: Copy,
    {
        Self {
            id,
            after: after.to_vec(),
            after_usable: Vec::new(),
            work,
            usable: None,
        }
    }

    /// Also waits for these steps to be usable, not necessarily completed.
    pub fn after_usable(mut self, ids: &[K]) -> Self
    where
        K: Copy,
    {
        self.after_usable.extend_from_slice(ids);
        self
    }

    /// This step's work holds the [`Usable`] handle paired with `signal`.
    pub fn signals_usable(mut self, signal: UsableSignal) -> Self {
        self.usable = Some(signal.0);
        self
    }
}

/// Held by a step's work: [`Usable::now`] lets the steps that only use this
/// one start. Never saying it is harmless (completion counts as usable).
#[derive(Debug)]
pub struct Usable(oneshot::Sender<()>);

/// The engine's end of a [`Usable`], given to the step with
/// [`Step::signals_usable`].
#[derive(Debug)]
pub struct UsableSignal(oneshot::Receiver<()>);

impl Usable {
    pub fn new() -> (Self, UsableSignal) {
        let (sender, receiver) = oneshot::channel();
        (Self(sender), UsableSignal(receiver))
    }

    pub fn now(self) {
        // The engine may have stopped listening (the step already ended).
        let _ = self.0.send(());
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

/// What a failed step stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    /// No new step starts after the first failure.
    StopAll,
    /// Only the steps that wait for a failed step, directly or through
    /// others, never start; every other step runs.
    BlockDependents,
}

/// Runs the graph with at most `max_in_flight` steps at once (0 means no
/// limit), starting no new step after the first failure.
pub async fn run<'a, K, E>(steps: Vec<Step<'a, K, E>>, max_in_flight: usize) -> Outcome<K, E>
where
    K: Copy + Eq + Hash + Debug + Send + 'a,
    E: Send + 'a,
{
    run_until(steps, max_in_flight, None, FailurePolicy::StopAll).await
}

/// What the engine waits for next.
enum Event<K, E> {
    Ended(K, Result<(), E>),
    Usable(K),
    NothingLeft,
    Deadline,
}

/// As [`run`], starting no step after `deadline`, and after a failure only
/// what `on_failure` allows.
pub async fn run_until<'a, K, E>(
    steps: Vec<Step<'a, K, E>>,
    max_in_flight: usize,
    deadline: Option<tokio::time::Instant>,
    on_failure: FailurePolicy,
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
    let mut usable: HashSet<K> = HashSet::new();
    let mut outcome = Outcome {
        completed: Vec::new(),
        failed: Vec::new(),
        not_started: Vec::new(),
        timed_out: false,
    };
    let mut in_flight = FuturesUnordered::new();
    let mut signals = FuturesUnordered::new();
    loop {
        let may_start = match on_failure {
            FailurePolicy::StopAll => outcome.failed.is_empty(),
            // A failed step is never done nor usable, so whatever waits for
            // it stays pending and ends up not started.
            FailurePolicy::BlockDependents => true,
        };
        if may_start && !outcome.timed_out {
            // Dependencies on steps that are not in the graph count as satisfied:
            // callers leave out steps that have nothing to do.
            let met = |reached: &HashSet<K>, deps: &[K]| {
                deps.iter()
                    .all(|dep| reached.contains(dep) || !known.contains(dep))
            };
            let mut index = 0;
            while index < pending.len() && in_flight.len() < limit {
                let step = &pending[index];
                let ready = met(&done, &step.after) && met(&usable, &step.after_usable);
                if ready {
                    let step = pending.swap_remove(index);
                    let id = step.id;
                    if let Some(signal) = step.usable {
                        // A dropped sender (the step ended without saying) is not a signal.
                        signals.push(signal.map(move |said| said.ok().map(|()| id)));
                    }
                    let work = step.work;
                    in_flight.push(async move { (id, work.await) });
                } else {
                    index += 1;
                }
            }
        }
        let next_signal = async {
            loop {
                match signals.next().await {
                    Some(Some(id)) => return id,
                    Some(None) => continue,
                    None => futures::future::pending::<()>().await,
                }
            }
        };
        let watch_deadline = deadline.filter(|_| !outcome.timed_out && !in_flight.is_empty());
        let sleep = async {
            match watch_deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => futures::future::pending::<()>().await,
            }
        };
        let event = tokio::select! {
            biased;
            ended = in_flight.next() => match ended {
                Some((id, result)) => Event::Ended(id, result),
                None => Event::NothingLeft,
            },
            id = next_signal => Event::Usable(id),
            () = sleep => Event::Deadline,
        };
        match event {
            Event::Ended(id, Ok(())) => {
                // A completed step is usable too.
                done.insert(id);
                usable.insert(id);
                outcome.completed.push(id);
            }
            Event::Ended(id, Err(err)) => {
                usable.remove(&id);
                outcome.failed.push((id, err));
            }
            Event::Usable(id) => {
                usable.insert(id);
            }
            Event::Deadline => outcome.timed_out = true,
            Event::NothingLeft => break,
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

    /// A "key" step whose work is given its `Usable`.
    fn key_step<'a, F>(work: impl FnOnce(Usable) -> F) -> Step<'a, &'static str, String>
    where
        F: std::future::Future<Output = Result<(), String>> + Send + 'a,
    {
        let (usable, signal) = Usable::new();
        Step::new("key", &[], Box::pin(work(usable))).signals_usable(signal)
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
        let outcome = run_until(steps, 0, Some(deadline), FailurePolicy::StopAll).await;
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

    #[tokio::test(start_paused = true)]
    async fn a_step_that_only_uses_another_starts_when_it_is_usable() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let key_log = log.clone();
        let key = key_step(|usable| async move {
            key_log.lock().unwrap().push("start key".to_owned());
            tokio::time::sleep(Duration::from_millis(10)).await;
            usable.now();
            // Alias and rotation: the topic need not wait for these.
            tokio::time::sleep(Duration::from_millis(10)).await;
            key_log.lock().unwrap().push("end key".to_owned());
            Ok(())
        });
        let steps = vec![
            key,
            step("topic", &[], log.clone(), false).after_usable(&["key"]),
            step("trail", &["key"], log.clone(), false),
        ];
        let outcome = run(steps, 0).await;
        assert!(outcome.succeeded(), "{outcome:?}");
        let log = log.lock().unwrap().clone();
        assert!(
            position(&log, "start topic") < position(&log, "end key"),
            "{log:?}"
        );
        assert!(
            position(&log, "end key") < position(&log, "start trail"),
            "{log:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_step_that_never_says_usable_releases_its_users_when_it_ends() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let silent = key_step(|usable| async move {
            let _held = usable;
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok(())
        });
        let steps = vec![
            silent,
            step("topic", &[], log.clone(), false).after_usable(&["key"]),
        ];
        let outcome = run(steps, 0).await;
        assert!(outcome.succeeded(), "{outcome:?}");
        assert_eq!(outcome.completed, vec!["key", "topic"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_step_that_fails_after_saying_usable_stops_steps_not_yet_started() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let key = key_step(|usable| async move {
            usable.now();
            tokio::time::sleep(Duration::from_millis(10)).await;
            Err("rotation refused".to_owned())
        });
        let steps = vec![
            key,
            // Starts on the signal, before the failure, and is let finish.
            step("topic", &[], log.clone(), false).after_usable(&["key"]),
            step("alarm", &["topic"], log.clone(), false),
        ];
        let outcome = run(steps, 0).await;
        assert_eq!(outcome.failed.len(), 1);
        assert_eq!(outcome.completed, vec!["topic"]);
        assert_eq!(outcome.not_started, vec!["alarm"]);
    }

    #[tokio::test(start_paused = true)]
    async fn blocking_dependents_a_failure_stops_only_the_steps_that_wait_for_it() {
        let log = Arc::new(Mutex::new(Vec::new()));
        // The delete of the issue: the alarm fails; the filter waits for it
        // and the log group for the filter; topic and key wait for nothing
        // that fails.
        let steps = vec![
            step("alarm", &[], log.clone(), true),
            step("filter", &["alarm"], log.clone(), false),
            step("group", &["filter"], log.clone(), false).after_usable(&["topic"]),
            step("topic", &[], log.clone(), false),
            step("key", &["topic"], log.clone(), false),
        ];
        let outcome = run_until(steps, 0, None, FailurePolicy::BlockDependents).await;
        let mut completed = outcome.completed.clone();
        completed.sort();
        assert_eq!(completed, vec!["key", "topic"]);
        assert_eq!(outcome.failed.len(), 1);
        assert_eq!(outcome.failed[0].0, "alarm");
        let mut not_started = outcome.not_started.clone();
        not_started.sort();
        assert_eq!(not_started, vec!["filter", "group"]);
        assert!(!outcome.timed_out);
        let log = log.lock().unwrap().clone();
        assert!(!log.contains(&"start filter".to_owned()), "{log:?}");
        assert!(!log.contains(&"start group".to_owned()), "{log:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn blocking_dependents_a_step_that_failed_after_saying_usable_releases_no_one_later() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let key = key_step(|usable| async move {
            usable.now();
            tokio::time::sleep(Duration::from_millis(10)).await;
            Err("rotation refused".to_owned())
        });
        let steps = vec![
            key,
            // Outlasts the key, so the topic is still pending when the key fails.
            Step::new(
                "slow",
                &[],
                Box::pin(async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok(())
                }),
            ),
            step("topic", &["slow"], log.clone(), false).after_usable(&["key"]),
        ];
        let outcome = run_until(steps, 0, None, FailurePolicy::BlockDependents).await;
        assert_eq!(outcome.completed, vec!["slow"]);
        assert_eq!(outcome.not_started, vec!["topic"]);
    }
}
