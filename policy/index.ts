/**
 * hashistack policy pack: `pulumi preview --policy-pack policy` (from the repository root).
 * The rules live in rules.ts, where they are unit-tested.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("hashistack", { policies });
