//! Group commit: many concurrent writes, one fsync.
//!
//! With `synchronous=FULL` every commit waits for the disk (milliseconds on
//! most machines), so committing each submission alone caps a station at a
//! few hundred per second. Instead, writers queue their work here. Whoever
//! next holds the store runs every queued write in one transaction, each in
//! its own savepoint (a write that fails undoes only itself), commits once,
//! and only then answers each writer. A writer is therefore told "done" only
//! after its change is on disk, exactly as with a commit of its own.

use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard};

use super::{Store, StoreError};

/// Hands a finished write its batch's commit outcome.
type Deliver = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A queued write: runs against the store, returns how to deliver its result.
type Job = Box<dyn FnOnce(&mut Store) -> Deliver + Send>;

/// What the queue reports to whoever watches it (the station's metrics).
#[derive(Clone, Copy, Debug)]
pub enum Observation {
    /// Writers waiting for the store's connection, after one arrived or left.
    Waiting(usize),
    /// A batch committed (or failed to): how many writes it held and how long
    /// the commit (the fsync) took.
    Committed { writes: usize, commit: std::time::Duration, ok: bool },
}

type Observer = Box<dyn Fn(Observation) + Send + Sync>;

/// The queue of writes waiting for the next batch.
#[derive(Default)]
pub struct GroupCommit {
    pending: Mutex<Vec<Job>>,
    waiting: std::sync::atomic::AtomicUsize,
    observer: std::sync::OnceLock<Observer>,
}

/// Why a queued write has no result.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("the batch holding this write could not be committed, so nothing of it was kept: {0}")]
    CommitFailed(String),
    #[error("the batch holding this write was abandoned before it committed; nothing of it was kept")]
    Abandoned,
}

impl GroupCommit {
    /// Reports every wait and commit to `observer` (set once).
    pub fn observe(&self, observer: impl Fn(Observation) + Send + Sync + 'static) {
        let _ = self.observer.set(Box::new(observer));
    }

    fn report(&self, o: Observation) {
        if let Some(observer) = self.observer.get() {
            observer(o);
        }
    }

    /// Runs `work` (which writes through [`Store::write`]) in the next batch
    /// on `store`, and returns its result once the batch is durable. If the
    /// batch cannot commit, `work`'s success is replaced by the reason.
    pub fn run<T, E>(
        &self,
        store: &Mutex<Store>,
        work: impl FnOnce(&mut Store) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<BatchError> + Send + 'static,
    {
        let (answer, result) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |store: &mut Store| {
            let outcome = work(store);
            Box::new(move |committed: Result<(), String>| {
                let outcome = match (outcome, committed) {
                    (Ok(_), Err(reason)) => Err(E::from(BatchError::CommitFailed(reason))),
                    (outcome, _) => outcome,
                };
                let _ = answer.send(outcome);
            })
        });
        lock(&self.pending).push(job);
        {
            // Whoever gets the store next commits everything queued so far,
            // which may include this write; if another writer already took
            // it, the queue is empty here and we only wait for its answer.
            use std::sync::atomic::Ordering::Relaxed;
            self.report(Observation::Waiting(self.waiting.fetch_add(1, Relaxed) + 1));
            let mut store = lock(store);
            self.report(Observation::Waiting(self.waiting.fetch_sub(1, Relaxed) - 1));
            let jobs = std::mem::take(&mut *lock(&self.pending));
            if !jobs.is_empty() {
                let writes = jobs.len();
                let (commit, ok) = store.commit_batch(jobs);
                self.report(Observation::Committed { writes, commit, ok });
            }
        }
        result.recv().unwrap_or_else(|_| Err(E::from(BatchError::Abandoned)))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic under the lock leaves no half-written transaction (SQLite rolls
    // back), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Store {
    /// Runs `jobs` in one transaction and delivers the commit's outcome to
    /// each; returns how long the commit took and whether it held.
    fn commit_batch(&mut self, jobs: Vec<Job>) -> (std::time::Duration, bool) {
        if self.begin_batch().is_err() {
            // No batch today: each job runs with a commit of its own, so its
            // own result is the truth.
            self.leave_batch();
            let started = std::time::Instant::now();
            for job in jobs {
                job(self)(Ok(()));
            }
            return (started.elapsed(), true);
        }
        let deliveries: Vec<Deliver> = jobs.into_iter().map(|job| job(self)).collect();
        self.leave_batch();
        let started = std::time::Instant::now();
        let committed = self.commit_batch_tx().map_err(|e| StoreError::Sql(e).to_string());
        let took = (started.elapsed(), committed.is_ok());
        for deliver in deliveries {
            deliver(committed.clone());
        }
        took
    }
}
