// Loads cdktf's jest matcher types (toHaveResourceWithProperties...) for the type-checker.
import 'cdktf/lib/testing/adapters/jest';
