import { Duration } from 'aws-cdk-lib';
import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import { replayBounds } from '../../lambdas/core/verify/replay-window';
import { DEFAULTS } from './defaults';

/** The dedup retention: as set, else 90 days or the history retention when that is longer. */
export function dedupRetentionOf(dedupRetention: Duration | undefined, historyRetention: Duration): Duration {
  if (dedupRetention !== undefined) return dedupRetention;
  return historyRetention.toSeconds() > DEFAULTS.dedupRetention.toSeconds()
    ? historyRetention
    : DEFAULTS.dedupRetention;
}

/** Gateway-level problems: markers must outlive the bodies, or a copy of a listed delivery is new again. */
export function retentionProblems(dedupRetention: Duration, historyRetention: Duration): string[] {
  const dedup = dedupRetention.toSeconds({ integral: false });
  const history = historyRetention.toSeconds({ integral: false });
  if (!(dedup > 0)) return [`dedupRetention ${dedupRetention.toHumanString()} must be positive`];
  return dedup < history
    ? [
        `dedupRetention ${dedupRetention.toHumanString()} is shorter than historyRetention ${historyRetention.toHumanString()}: a copy of a delivery still in the history would be handled as new; set dedupRetention to at least historyRetention`,
      ]
    : [];
}

/**
 * A scheme whose signed window is not shorter than the dedup retention would accept a verbatim
 * copy once the delivery's marker expired: such a config fails synth, naming the option.
 */
export function replayWindowProblems(verifier: VerifierConfig, dedupRetention: Duration): string[] {
  const retention = dedupRetention.toSeconds({ integral: false });
  return replayBounds(verifier)
    .filter((b) => b.windowSeconds !== undefined && b.windowSeconds >= retention)
    .map(
      (b) =>
        `source ${b.scheme}: its ${b.option} lets the same signed request be accepted for ${b.windowSeconds} s, which is not shorter than dedupRetention ${Duration.seconds(retention).toHumanString()} (${retention} s): a verbatim copy sent after the delivery's dedup marker expired would be accepted; shorten ${b.option} or lengthen the gateway's dedupRetention`,
    );
}
