/**
 * The tag vocabulary. The tags on the two Auto Scaling groups alone tell an operator what runs
 * where. Keys are valid for instance-metadata tags (letters, digits and `+ - = . , _ : @`, no `/`).
 */
export const TAG_PREFIX = 'bluegreen:';

export const TagKeys = {
  /** Which service a group belongs to; static, set by the template; used in IAM conditions. */
  service: `${TAG_PREFIX}service`,
  /** `blue` or `green`; static, set by the template. */
  colour: `${TAG_PREFIX}colour`,
  /** The version the group runs or launches. Written by the workflow, propagated at launch. */
  version: `${TAG_PREFIX}version`,
  /** `live`, `standby` or `idle`. Written by the workflow. */
  role: `${TAG_PREFIX}role`,
  /** On the live group: the version that was live before it (what a later rollback restores). */
  previousVersion: `${TAG_PREFIX}previous-version`,
} as const;

export type Colour = 'blue' | 'green';
export const COLOURS: readonly Colour[] = ['blue', 'green'];

/**
 * - `live`: serves traffic.
 * - `standby`: the previous live group, its instances warm in ASG Standby during the bake.
 * - `idle`: empty (or being scaled up for a release), processes suspended when empty.
 */
export type Role = 'live' | 'standby' | 'idle';
export const ROLES: readonly Role[] = ['live', 'standby', 'idle'];

/** Tag keys must be usable as instance-metadata tags, or launches fail. */
export const IMDS_TAG_KEY_PATTERN = /^[A-Za-z0-9+\-=.,_:@]{1,128}$/;
