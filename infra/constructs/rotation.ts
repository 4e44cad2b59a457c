/**
 * A generated secret's rotation (config `secrets.*`): which generations are alive, and the
 * version number that tells Terraform the write-only value changed.
 */

export interface Rotation {
  /** Raised by one to rotate. */
  generation: number;
  /** Keeps the previous generation valid beside the new one while callers move over. */
  keepPrevious: boolean;
}

/** The generations alive, newest first. */
export const liveGenerations = (r: Rotation): number[] => (r.keepPrevious ? [r.generation, r.generation - 1] : [r.generation]);

/**
 * The value's version: it grows along the runbook (generation g alone, g+1 with g, g+1 alone),
 * so each step writes a new secret version.
 */
export const rotationVersion = (r: Rotation): number => 2 * r.generation - (r.keepPrevious ? 1 : 0);
