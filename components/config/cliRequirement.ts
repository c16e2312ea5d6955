/**
 * The oldest Pulumi CLI this program is correct with (README, Prerequisites).
 *
 * In-cluster objects are declared `deletedWith` the server group. Since pulumi/pulumi#23818
 * (engine, step_generator.go: a resource whose DeletedWith target is replaced is replaced
 * too; merged after 3.259.0, first released in 3.260.0), replacing the server group replaces
 * every such object, so the next `up` recreates them in the new cluster. An older engine
 * keeps them in state although the new servers never had them ("The user had to run
 * `pulumi refresh` and then `pulumi up` again", the PR says): README, Troubleshooting.
 * `replaceWith` (the ACTIVE wait, components/peering/peering.ts) needs an engine advertising
 * RESOURCE_MONITOR_FEATURE_REPLACE_WITH; older ones make the SDK refuse the program.
 */
export const MIN_PULUMI_CLI = "3.260.0";
