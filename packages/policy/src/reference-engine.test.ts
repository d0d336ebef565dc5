import { describeEngineConformance } from './engine.test-suite.js';
import { createReferencePolicyEngine } from './reference-engine.js';

describeEngineConformance('reference engine', createReferencePolicyEngine);
