import { validateDeclarations } from '../../activities/validate';
import { dagToDot, renderDag } from '../../pipeline/dag';
import { parse } from '../args';
import type { Command } from '../command';

const usage = 'financelake dag [--dot | --json]';

export const dagCommand: Command = {
  name: 'dag',
  summary: 'print the task graph derived from the dataset declarations (validated)',
  usage,
  async run(argv) {
    const { values } = parse(argv, { dot: { type: 'boolean' }, json: { type: 'boolean' } }, usage);
    const dag = validateDeclarations();
    console.log(values.dot ? dagToDot(dag) : values.json ? JSON.stringify(dag, null, 2) : renderDag(dag));
    return 0;
  },
};
