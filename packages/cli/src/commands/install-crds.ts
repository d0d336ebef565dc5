/** `zmctl install crds`: prints the kuma.io CRDs (deploy/crds) for `kubectl apply -f -`. */
import { customResourceDefinitions, manifestsToYaml } from '@zonemesh/kubernetes/manifests';
import { type Command, ExitCode } from '../command.js';

/** `zmctl install crds`. */
export const installCrdsCommand: Command = {
  name: 'install crds',
  summary: 'print the kuma.io CustomResourceDefinitions',
  synopsis: '',
  description:
    'Prints the CRDs of every kind (generated from the same schemas as deploy/crds), for kubectl apply -f -.',
  flags: {},
  acceptsArgs: false,
  async run({ io }) {
    io.out(manifestsToYaml(customResourceDefinitions()));
    return ExitCode.ok;
  },
};
