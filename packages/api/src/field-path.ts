/**
 * Kuma's validation field paths (`sources[0].match["kuma.io/service"]`) and a collector for the
 * problems found along them. Validators walk a spec, extend a {@link FieldPath} as they descend
 * and report every problem to one {@link Violations}; nothing stops at the first error.
 */
import type { FieldError } from './errors.js';

/** An immutable path into a resource, printed exactly as Kuma's `validators.PathBuilder` does. */
export class FieldPath {
  /** The empty path: a problem with the resource as a whole. */
  static readonly root = new FieldPath('');

  private constructor(private readonly text: string) {}

  /** A path starting at a top-level field (`sources`, `spec`, `networking`). */
  static at(field: string): FieldPath {
    return FieldPath.root.field(field);
  }

  /** `a.b`; on the root path just `b`. */
  field(name: string): FieldPath {
    return new FieldPath(this.text === '' ? name : `${this.text}.${name}`);
  }

  /** `a[3]`. */
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  /** `a["key"]`: a map entry, quoted the way Go's `%q` quotes a string. */
  key(key: string): FieldPath {
    return new FieldPath(`${this.text}[${JSON.stringify(key)}]`);
  }

  toString(): string {
    return this.text;
  }
}

/** Collects problems in the order they are found; Kuma's error lists keep that order too. */
export class Violations {
  private readonly found: FieldError[] = [];

  /** Records one problem at `path`. */
  add(path: FieldPath, message: string): void {
    this.found.push({ field: path.toString(), message });
  }

  /** Records problems found elsewhere, keeping their paths. */
  addAll(errors: readonly FieldError[]): void {
    this.found.push(...errors);
  }

  get isEmpty(): boolean {
    return this.found.length === 0;
  }

  /** Everything found so far, in order. */
  toList(): FieldError[] {
    return [...this.found];
  }
}
