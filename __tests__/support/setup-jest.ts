import { Testing } from 'cdktf';

// cdktf's matchers: toHaveResourceWithProperties, toHaveDataSourceWithProperties, toHaveProvider...
Testing.setupJest();
