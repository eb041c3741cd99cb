/**
 * The rxjs values the client uses, imported from `rxjs` here only. A bundle
 * that leaves rxjs out (the browser bundle measured by `npm run size`) then
 * carries one import statement instead of one per file (~110 B gzipped).
 * Types come from `rxjs` directly; they leave nothing in a bundle.
 */
export {
  asyncScheduler,
  BehaviorSubject,
  defer,
  distinctUntilChanged,
  EMPTY,
  filter,
  firstValueFrom,
  fromEvent,
  map,
  merge,
  NEVER,
  Observable,
  observeOn,
  queueScheduler,
  race,
  retry,
  scan,
  skip,
  startWith,
  Subject,
  switchMap,
  tap,
  timer,
} from 'rxjs';
