import { Testing } from 'cdktf';
// Types of the matchers setupJest registers (toHaveResourceWithProperties, ...).
import type {} from 'cdktf/lib/testing/adapters/jest';

Testing.setupJest();
