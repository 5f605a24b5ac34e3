/** The table of steps (lib/contract/steps.ts) drives the function ids, the state names and the handler folders. */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  HANDLER_NAMES,
  NOTIFY_HANDLER,
  PROBE_INSTANCE_HANDLER,
  RELEASE_STEP_NAMES,
  RELEASE_STEPS,
  VALIDATE_INSTANCE_HANDLER,
} from '../../lib/contract/steps';
import { readServiceTemplate } from '../../lib/rehearsal/template';
import { STEP_METADATA_KEY } from '../../lib/workflow/step-function';
import { handlerFolders, handlerNames } from '../../scripts/handlers/layout';
import { workflowStack } from './fixture';

describe('the table of release steps', () => {
  const { stack, workflow } = workflowStack();
  const json = Template.fromStack(stack).toJSON();
  const info = readServiceTemplate(json);

  test('GIVEN the table THEN no two steps share a state name or a function id', () => {
    const steps = Object.values(RELEASE_STEPS);
    expect(new Set(steps.map((s) => s.stateName)).size).toBe(steps.length);
    expect(new Set(steps.map((s) => s.functionId)).size).toBe(steps.length);
  });

  test.each(RELEASE_STEP_NAMES)(
    'GIVEN step %s THEN its function has the table id and step metadata, and its Task state the table name',
    (name) => {
      const fn = workflow.steps[name];
      expect(fn.node.id).toBe(RELEASE_STEPS[name].functionId);
      const logicalId = Stack.of(fn).getLogicalId(fn.node.defaultChild as never);
      expect(json.Resources[logicalId].Metadata[STEP_METADATA_KEY]).toBe(name);
      const task = info.taskSteps[RELEASE_STEPS[name].stateName];
      expect(task).toBeDefined();
      expect([task.step, task.logicalId]).toEqual([name, logicalId]);
    },
  );

  test('GIVEN the state machine THEN its Lambda Task states are exactly the steps of the table', () => {
    expect(Object.keys(info.taskSteps).sort()).toEqual(
      Object.values(RELEASE_STEPS)
        .map((s) => s.stateName)
        .sort(),
    );
  });

  test('GIVEN lambda/ THEN its handler folders are the steps of the table, the notifications, the validator and its probe', () => {
    expect(handlerFolders()).toEqual([...HANDLER_NAMES]);
    expect(handlerNames()).toEqual(
      [...RELEASE_STEP_NAMES, NOTIFY_HANDLER, VALIDATE_INSTANCE_HANDLER, PROBE_INSTANCE_HANDLER].sort(),
    );
  });
});
