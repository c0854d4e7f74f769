// Runs callbacks in the order they were queued, never inside the caller's stack: how every
// face delivers events ("queue a task" in the WHATWG standard, decision G4 for the firmware
// dialects). They run as a microtask, once the current call has returned but in the same turn
// of the event loop, so that a message read from the socket reaches the application at once,
// and whatever the application sends from its handler leaves in that turn's write. A throwing
// callback does not stop the ones after it; its error is rethrown on its own, like any
// uncaught listener error.

/** Who hears that a batch of tasks ran (an object, not a closure: queues are per connection). */
export interface TaskQueueOwner {
  afterTasks(): void;
}

export class TaskQueue {
  /** Tasks waiting for their turn; none while idle (an idle connection holds no array). */
  #tasks: (() => void)[] | undefined;
  #isScheduled = false;
  #isRunning = false;
  readonly #owner: TaskQueueOwner | undefined;

  /** `owner.afterTasks()` runs after each batch of tasks (a face may update its state then). */
  constructor(owner?: TaskQueueOwner) {
    this.#owner = owner;
  }

  /** True when tasks wait for their turn (a batch being run no longer counts). */
  get hasPending(): boolean {
    return this.#tasks !== undefined;
  }

  /** True while a batch runs. */
  get isRunning(): boolean {
    return this.#isRunning;
  }

  push(task: () => void): void {
    if (this.#tasks === undefined) this.#tasks = [task];
    else this.#tasks.push(task);
    if (this.#isScheduled) return;
    this.#isScheduled = true;
    // A closure per batch rather than one kept per queue: idle queues are many.
    queueMicrotask(() => this.#run());
  }

  #run(): void {
    this.#isScheduled = false;
    const tasks = this.#tasks;
    this.#tasks = undefined;
    if (tasks === undefined) return;
    this.#isRunning = true;
    for (const task of tasks) {
      try {
        task();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    this.#isRunning = false;
    this.#owner?.afterTasks();
  }
}
