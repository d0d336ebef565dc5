import { describeEngineConformance } from './engine.test-suite.js';
import { createPolicyEngine } from './indexed-engine.js';

describeEngineConformance('indexed engine', createPolicyEngine);
