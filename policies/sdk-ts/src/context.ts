// What an evaluation can see besides its resources, as the Rust SDK's `Context`
// (policies/sdk/src/lib.rs).

import { host } from "./host.ts";
import type { Settings } from "./settings.ts";
import type { Kind, Resource, ResourceOf } from "./snapshot.ts";
import { few } from "./text.ts";
import type { Gap } from "./wit.ts";

/** One line naming a gap, for messages: `cloudtrail:DescribeTrails in us-east-1 (access_denied)`. */
export function describeGap(g: Gap): string {
  let text = `${g.service}:${g.operation} in ${g.region}`;
  if (g.resource !== undefined) text += ` for ${g.resource}`;
  return `${text} (${g.reason})`;
}

export class Context {
  #byArn: Map<string, Resource> | undefined;

  constructor(
    /** The policy's settings (a JSON object, `{}` when none are configured). */
    readonly settings: Settings,
    /** Every gap handed to the policy (those that concern the kinds its rules read). */
    readonly gaps: readonly Gap[],
    /**
     * The resources the evaluation was given: every resource of the kinds the rules read, which
     * is all a lookup may see. When present, lookups are answered from them (the same objects,
     * parsed once) instead of asking the host to copy a resource again.
     */
    private readonly given?: readonly Resource[],
  ) {}

  /**
   * Listings of `kind` that failed — in `region` (or globally) when one is given, anywhere
   * otherwise: resources of that kind may be missing from the snapshot, so "there is none"
   * cannot be concluded. Empty when every listing answered.
   */
  unlisted(kind: string, region?: string): Gap[] {
    return this.gaps.filter(
      (g) =>
        g.resource === undefined &&
        g.kinds.includes(kind) &&
        (region === undefined || g.region === region || g.region === "global"),
    );
  }

  /**
   * For a message: which listings of `kind` failed (see {@link unlisted}), `undefined` when
   * every one answered. `"cloudtrail:DescribeTrails in us-east-1 (access_denied)"`.
   */
  unlistedReason(kind: string, region?: string): string | undefined {
    const gaps = this.unlisted(kind, region);
    return gaps.length === 0 ? undefined : few(gaps.map(describeGap), 3);
  }

  /** Another resource of the snapshot, by ARN (only the kinds the policy's rules declare). */
  resource(arn: string): Resource | undefined {
    if (this.given === undefined) return host().resourceByArn(arn);
    this.#byArn ??= new Map(this.given.map((r) => [r.arn, r]));
    return this.#byArn.get(arn);
  }

  /** Every resource of a kind in the snapshot (only the kinds the policy's rules declare). */
  resourcesOfKind<K extends Kind>(kind: K): Array<ResourceOf<K>> {
    if (this.given === undefined) return host().resourcesOfKind(kind) as Array<ResourceOf<K>>;
    return this.given.filter((r) => r.kind === kind) as Array<ResourceOf<K>>;
  }
}
