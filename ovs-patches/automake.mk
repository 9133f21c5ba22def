EXTRA_DIST += \
	ovs-patches/series \
	$(OVS_PATCH_FILES)
